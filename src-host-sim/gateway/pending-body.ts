// The request body while the filter decides. Envoy holds the data that arrives while a filter
// has stopped the request, up to its buffer limit; then the body either goes on (streamed, never
// held whole) or the request is refused. PendingBody does the same for the gateway.
import type { IncomingMessage } from "node:http";
import type { Readable } from "node:stream";

export class PendingBody {
  private chunks: Buffer[] = [];
  private size = 0;
  private ended = false;
  private signalOverflow: () => void = () => {};
  /** resolves when more than `limit` bytes arrived before the body could go on */
  readonly overflowed: Promise<void>;
  private readonly onData = (c: Buffer) => {
    this.chunks.push(c);
    this.size += c.length;
    if (this.size > this.limit) {
      this.req.pause();
      this.signalOverflow();
    }
  };

  constructor(
    private readonly req: IncomingMessage,
    private readonly limit: number,
  ) {
    this.overflowed = new Promise((r) => {
      this.signalOverflow = r;
    });
    req.on("data", this.onData);
    req.on("end", () => {
      this.ended = true;
    });
  }

  /** forUpstream hands over what arrived and, if the body is not complete, the rest as a stream. */
  forUpstream(): { head: Buffer[]; rest: Readable | null } {
    this.req.pause();
    this.req.off("data", this.onData);
    const head = this.chunks;
    this.chunks = [];
    return { head, rest: this.ended || this.req.readableEnded ? null : this.req };
  }

  /**
   * discard drops what arrived and reports whether the body was complete; if not, the caller
   * closes the connection after its reply, so the rest is never read.
   */
  discard(): boolean {
    this.req.off("data", this.onData);
    this.req.pause();
    this.chunks = [];
    return this.ended || this.req.readableEnded;
  }
}
