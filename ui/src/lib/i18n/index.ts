import { en, type MessageKey } from './en';

export type { MessageKey };

/** Looks up a user-visible string and fills in its `{name}` placeholders. */
export function t(key: MessageKey, params: Record<string, string | number> = {}): string {
  return en[key].replace(/\{(\w+)\}/g, (whole, name: string) =>
    name in params ? String(params[name]) : whole,
  );
}
