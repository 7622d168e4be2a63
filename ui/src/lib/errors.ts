import { toCommandError } from './backend';

/** The plain text to show for a failed command. */
export function errorMessage(raw: unknown): string {
  return toCommandError(raw).message;
}
