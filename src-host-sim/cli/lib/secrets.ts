// Masking of secrets in CLI output, the same form as the module's logs (behaviour.md §9):
// `***` followed by the last 4 characters, or `***` alone for values of 4 characters or fewer.

export function mask(secret: string): string {
  const chars = Array.from(secret);
  return chars.length <= 4 ? "***" : "***" + chars.slice(-4).join("");
}

/** Secrets shows values as written (--show-secrets) or masked. */
export class Secrets {
  constructor(private readonly show: boolean) {}
  reveal(value: string): string {
    return this.show ? value : mask(value);
  }
}
