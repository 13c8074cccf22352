// A minimal POSIX ustar writer and reader: enough to build the image layer that carries
// `plugin.wasm` and the OCI archive tarballs, with no dependency. Output is deterministic (fixed
// mtime, uid/gid 0, no user names), so the same inputs always give the same digests.

export interface TarEntry {
  /** Path inside the archive; "/" separated, no leading "/". Directories end with "/". */
  name: string;
  /** File content; omitted for directories. */
  data?: Uint8Array;
  /** Permission bits; 0o644 for files, 0o755 for directories unless given. */
  mode?: number;
  /** Seconds since the epoch; 0 unless given (reproducible builds). */
  mtime?: number;
}

const BLOCK = 512;

function writeString(header: Uint8Array, offset: number, length: number, value: string): void {
  const bytes = new TextEncoder().encode(value);
  if (bytes.length > length) throw new Error(`tar: "${value}" does not fit in ${length} bytes`);
  header.set(bytes, offset);
}

/** Octal numeric field: zero-padded digits followed by a NUL, as ustar readers expect. */
function writeOctal(header: Uint8Array, offset: number, length: number, value: number): void {
  const digits = value.toString(8);
  if (digits.length > length - 1) throw new Error(`tar: ${value} does not fit in a ${length}-byte field`);
  writeString(header, offset, length - 1, digits.padStart(length - 1, "0"));
  header[offset + length - 1] = 0;
}

/** Splits a long path into ustar's prefix (≤155 bytes) and name (≤100 bytes) at a "/". */
function splitName(path: string): { prefix: string; name: string } {
  if (new TextEncoder().encode(path).length <= 100) return { prefix: "", name: path };
  for (let i = path.lastIndexOf("/", path.length - 2); i > 0; i = path.lastIndexOf("/", i - 1)) {
    const prefix = path.slice(0, i);
    const name = path.slice(i + 1);
    if (new TextEncoder().encode(prefix).length <= 155 && new TextEncoder().encode(name).length <= 100) {
      return { prefix, name };
    }
  }
  throw new Error(`tar: path too long for ustar: ${path}`);
}

function headerFor(entry: TarEntry): Uint8Array {
  const isDir = entry.name.endsWith("/");
  const size = isDir ? 0 : (entry.data?.length ?? 0);
  const header = new Uint8Array(BLOCK);
  const { prefix, name } = splitName(entry.name);
  writeString(header, 0, 100, name);
  writeOctal(header, 100, 8, entry.mode ?? (isDir ? 0o755 : 0o644));
  writeOctal(header, 108, 8, 0); // uid
  writeOctal(header, 116, 8, 0); // gid
  writeOctal(header, 124, 12, size);
  writeOctal(header, 136, 12, entry.mtime ?? 0);
  header.fill(0x20, 148, 156); // checksum field counts as spaces while summing
  header[156] = isDir ? 0x35 /* '5' */ : 0x30 /* '0' */;
  writeString(header, 257, 6, "ustar\0");
  writeString(header, 263, 2, "00");
  writeOctal(header, 329, 8, 0); // devmajor
  writeOctal(header, 337, 8, 0); // devminor
  writeString(header, 345, 155, prefix);
  let sum = 0;
  for (const b of header) sum += b;
  // Six octal digits, NUL, space: the layout every tar implementation accepts.
  writeString(header, 148, 8, sum.toString(8).padStart(6, "0") + "\0 ");
  return header;
}

/** Builds a complete tar archive (entries in the given order, two zero blocks at the end). */
export function createTar(entries: TarEntry[]): Uint8Array {
  const parts: Uint8Array[] = [];
  let total = 0;
  for (const entry of entries) {
    const header = headerFor(entry);
    parts.push(header);
    total += BLOCK;
    if (!entry.name.endsWith("/") && entry.data && entry.data.length > 0) {
      const padded = Math.ceil(entry.data.length / BLOCK) * BLOCK;
      const body = new Uint8Array(padded);
      body.set(entry.data);
      parts.push(body);
      total += padded;
    }
  }
  total += 2 * BLOCK;
  const out = new Uint8Array(total);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

export interface TarFile {
  name: string;
  type: "file" | "directory" | "other";
  mode: number;
  data: Uint8Array;
}

function readString(block: Uint8Array, offset: number, length: number): string {
  let end = offset;
  while (end < offset + length && block[end] !== 0) end++;
  return new TextDecoder().decode(block.subarray(offset, end));
}

function readOctal(block: Uint8Array, offset: number, length: number): number {
  const text = readString(block, offset, length).trim();
  return text === "" ? 0 : parseInt(text, 8);
}

/**
 * Reads a ustar archive (as written above, or by GNU tar for plain files). Verifies each header
 * checksum, so a corrupt archive is an error rather than garbage.
 */
export function readTar(archive: Uint8Array): TarFile[] {
  const files: TarFile[] = [];
  let at = 0;
  while (at + BLOCK <= archive.length) {
    const block = archive.subarray(at, at + BLOCK);
    if (block.every((b) => b === 0)) break;
    let sum = 0;
    for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 0x20 : block[i]!;
    const stored = readOctal(block, 148, 8);
    if (stored !== sum) throw new Error(`tar: bad header checksum at offset ${at}`);
    const name = readString(block, 0, 100);
    const prefix = readString(block, 345, 155);
    const size = readOctal(block, 124, 12);
    const flag = block[156];
    const type = flag === 0x30 || flag === 0 ? "file" : flag === 0x35 ? "directory" : "other";
    const dataStart = at + BLOCK;
    if (dataStart + size > archive.length) throw new Error(`tar: entry ${name} is truncated`);
    files.push({
      name: prefix ? `${prefix}/${name}` : name,
      type,
      mode: readOctal(block, 100, 8),
      data: archive.slice(dataStart, dataStart + size),
    });
    at = dataStart + Math.ceil(size / BLOCK) * BLOCK;
  }
  return files;
}
