// Where a command writes. Commands never touch process.stdout/exit directly, so tests run them
// in-process and read what they printed.

export interface Io {
  out(text: string): void;
  err(text: string): void;
}

export const processIo: Io = {
  out: (text) => void process.stdout.write(text),
  err: (text) => void process.stderr.write(text),
};

/** BufferIo collects output (tests, and commands that post-process it). */
export class BufferIo implements Io {
  stdout = "";
  stderr = "";
  out(text: string): void {
    this.stdout += text;
  }
  err(text: string): void {
    this.stderr += text;
  }
}

/** Exit codes shared by every command. */
export const EXIT_OK = 0;
export const EXIT_INVALID = 1;
export const EXIT_USAGE = 2;

/** UsageError: bad arguments or an unreadable file (exit 2). */
export class UsageError extends Error {}
