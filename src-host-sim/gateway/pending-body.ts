// The request body while the filter decides, and its size limit. What arrives while the filter
// has stopped the request is held (at most `limit` bytes); once the request may go on, the body
// streams to the upstream, never held whole. A body that grows beyond `limit`, before or after
// the decision, is refused.
import type { IncomingMessage } from "node:http";
import { type Readable, Transform } from "node:stream";

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

  /** true once the body outgrew the limit while it was streaming to the upstream */
  exceededWhileStreaming = false;

  /** forUpstream hands over what arrived and, if the body is not complete, the rest as a stream. */
  forUpstream(): { head: Buffer[]; rest: Readable | null } {
    this.req.pause();
    this.req.off("data", this.onData);
    const head = this.chunks;
    this.chunks = [];
    if (this.ended || this.req.readableEnded) return { head, rest: null };
    // The rest is counted on its way: past the limit, the stream fails and the upstream request
    // is cut (the caller answers 413 if the client has no answer yet).
    let size = this.size;
    const limit = this.limit;
    const counted = new Transform({
      transform: (chunk: Buffer, _enc, done) => {
        size += chunk.length;
        if (size > limit) {
          this.exceededWhileStreaming = true;
          this.req.pause();
          done(new Error("request body over the limit"));
        } else done(null, chunk);
      },
    });
    this.req.on("error", (e) => counted.destroy(e));
    return { head, rest: this.req.pipe(counted) };
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
