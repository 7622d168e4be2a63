"""A real SMTP server for the scenario tests (aiosmtpd).

Listens on a free loopback port, prints `listening on PORT`, then one JSON
line per received mail: {"to": [...], "subject": "...", "body": "..."} with
the plain-text body decoded. Runs until its parent kills it.
"""

import asyncio
import email
import email.policy
import json
import sys

from aiosmtpd.smtp import SMTP


class Print:
    async def handle_DATA(self, server, session, envelope):
        mail = email.message_from_bytes(envelope.content, policy=email.policy.default)
        part = mail.get_body(preferencelist=("plain",))
        body = part.get_content() if part is not None else ""
        line = {"to": list(envelope.rcpt_tos), "subject": str(mail.get("subject", "")), "body": body}
        print(json.dumps(line), flush=True)
        return "250 OK"


async def main():
    loop = asyncio.get_running_loop()
    server = await loop.create_server(lambda: SMTP(Print()), "127.0.0.1", 0)
    print(f"listening on {server.sockets[0].getsockname()[1]}", flush=True)
    await server.serve_forever()


if __name__ == "__main__":
    try:
        asyncio.run(main())
    except KeyboardInterrupt:
        sys.exit(0)
