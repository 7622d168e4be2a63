"""Independent syntex (SHA3) and nick folding, for syntex_crosscheck.rs.

Reads one JSON object {"input": str} per line on stdin and writes one JSON
object per line: the syntex of the input's UTF-8 bytes, and the nick fold
(NFKC, White_Space trimmed and folded to U+0020, str.lower()) with its syntex,
or null for the fold when the input holds a character this Python's Unicode
database does not know (its Unicode version may be older than Rust's).
"""
import hashlib
import json
import sys
import unicodedata
import zlib

# Unicode's White_Space property (PropList.txt), stable since Unicode 6.3.
# Python's str.isspace differs (it includes U+001C..U+001F), so it is not used.
WHITE_SPACE = set(
    "\u0009\u000a\u000b\u000c\u000d\u0020\u0085\u00a0\u1680"
    "\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a"
    "\u2028\u2029\u202f\u205f\u3000"
)


def syntex(m: bytes) -> bytes:
    length = str(len(m)).encode("ascii")
    h = hashlib.sha3_256(m + length).digest()
    c = zlib.crc32(m + length + h) & 0xFFFFFFFF
    return h + c.to_bytes(4, "big")


def fold(text: str):
    if any(unicodedata.category(ch) == "Cn" for ch in text):
        return None
    nfkc = unicodedata.normalize("NFKC", text)
    words, word = [], []
    for ch in nfkc:
        if ch in WHITE_SPACE:
            if word:
                words.append("".join(word))
                word = []
        else:
            word.append(ch)
    if word:
        words.append("".join(word))
    return " ".join(words).lower()


def main():
    for line in sys.stdin:
        text = json.loads(line)["input"]
        folded = fold(text)
        out = {
            "syntex": syntex(text.encode("utf-8")).hex(),
            "fold": folded,
            "fold_syntex": None if folded is None else syntex(folded.encode("utf-8")).hex(),
            "unicode": unicodedata.unidata_version,
        }
        sys.stdout.write(json.dumps(out) + "\n")


if __name__ == "__main__":
    main()
