// FNV-1a, 64 bits: the cache key of a request (service, credentials, metric set). Only the hash
// and a slot number reach shared-data keys, so no credential can leak through a key or a log.

const FNV_OFFSET: u64 = 0xcbf29ce484222325;
const FNV_PRIME: u64 = 0x100000001b3;

@final
export class Fnv64 {
  value: u64 = FNV_OFFSET;

  /** addString hashes every UTF-16 code unit (low byte, then high byte), then a 0 separator unit. */
  addString(s: string): Fnv64 {
    let h = this.value;
    for (let i = 0, n = s.length; i < n; i++) {
      const c = <u64>s.charCodeAt(i);
      h = (h ^ (c & 0xff)) * FNV_PRIME;
      h = (h ^ (c >> 8)) * FNV_PRIME;
    }
    // The separator keeps ("ab","c") and ("a","bc") apart.
    h = (h ^ 0xff) * FNV_PRIME;
    h = (h ^ 0xff) * FNV_PRIME;
    this.value = h;
    return this;
  }
}
