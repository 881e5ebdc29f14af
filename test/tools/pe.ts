/**
 * Just enough of the PE/COFF format (Microsoft's "PE Format" specification) to check a Windows
 * single executable built on Linux without running it: the headers, the machine, and the RT_RCDATA
 * resource that Node's SEA start-up looks up by name (NODE_SEA_BLOB).
 */

export interface PeSection {
  name: string;
  virtualAddress: number;
  virtualSize: number;
  rawOffset: number;
  rawSize: number;
}

export interface PeInfo {
  /** Offset of the optional header (the data directories start 112 bytes in, for PE32+). */
  optionalOffset: number;
  /** Offset of the `PE\0\0` signature, read from e_lfanew at 0x3c. */
  peOffset: number;
  /** COFF machine: 0x8664 is x64. */
  machine: number;
  /** Optional header magic: 0x20b is PE32+ (64-bit). */
  magic: number;
  /** 2 is a Windows GUI program, 3 a console program. */
  subsystem: number;
  sections: PeSection[];
  /** The Authenticode certificate table (a file offset, unlike the other directories); size 0 when absent. */
  certificateTable: { offset: number; size: number };
  /** Name → bytes of every named RT_RCDATA resource (first language of each). */
  rcdata: Map<string, Buffer>;
}

export const MACHINE_X64 = 0x8664;
export const PE32_PLUS = 0x20b;
const RT_RCDATA = 10;

class PeError extends Error {}

function need(buf: Buffer, offset: number, length: number, what: string): void {
  if (offset < 0 || offset + length > buf.length) throw new PeError(`${what} at ${offset} lies outside the file (${buf.length} bytes)`);
}

/** Parses the headers and the resource tree; throws when the file is not a well-formed PE image. */
export function readPe(buf: Buffer): PeInfo {
  need(buf, 0, 0x40, 'the DOS header');
  if (buf.toString('latin1', 0, 2) !== 'MZ') throw new PeError('no MZ header');
  const peOffset = buf.readUInt32LE(0x3c);
  need(buf, peOffset, 24, 'the PE signature and COFF header');
  if (buf.toString('latin1', peOffset, peOffset + 4) !== 'PE\0\0') throw new PeError(`no PE\\0\\0 signature at e_lfanew (${peOffset})`);
  const coff = peOffset + 4;
  const machine = buf.readUInt16LE(coff);
  const sectionCount = buf.readUInt16LE(coff + 2);
  const optionalSize = buf.readUInt16LE(coff + 16);
  const optional = coff + 20;
  need(buf, optional, optionalSize, 'the optional header');
  const magic = buf.readUInt16LE(optional);
  if (magic !== PE32_PLUS) throw new PeError(`optional header magic 0x${magic.toString(16)}, expected PE32+ (0x20b)`);
  const subsystem = buf.readUInt16LE(optional + 68);
  const directoryCount = buf.readUInt32LE(optional + 108);
  const directory = (index: number): { address: number; size: number } =>
    index < directoryCount
      ? { address: buf.readUInt32LE(optional + 112 + index * 8), size: buf.readUInt32LE(optional + 116 + index * 8) }
      : { address: 0, size: 0 };

  const sections: PeSection[] = [];
  const table = optional + optionalSize;
  need(buf, table, sectionCount * 40, 'the section table');
  for (let i = 0; i < sectionCount; i++) {
    const at = table + i * 40;
    sections.push({
      name: buf.toString('latin1', at, at + 8).replace(/\0+$/, ''),
      virtualSize: buf.readUInt32LE(at + 8),
      virtualAddress: buf.readUInt32LE(at + 12),
      rawSize: buf.readUInt32LE(at + 16),
      rawOffset: buf.readUInt32LE(at + 20),
    });
  }
  const fileOffset = (rva: number): number => {
    for (const s of sections) {
      if (rva >= s.virtualAddress && rva < s.virtualAddress + Math.max(s.virtualSize, s.rawSize)) return s.rawOffset + (rva - s.virtualAddress);
    }
    throw new PeError(`RVA 0x${rva.toString(16)} is in no section`);
  };

  const certificate = directory(4);
  const rcdata = new Map<string, Buffer>();
  const resources = directory(2);
  if (resources.address !== 0) {
    const base = fileOffset(resources.address);
    for (const type of entries(buf, base, base)) {
      if (type.id !== RT_RCDATA || type.subdirectory === undefined) continue;
      for (const named of entries(buf, base, type.subdirectory)) {
        if (named.name === undefined || named.subdirectory === undefined) continue;
        const [language] = entries(buf, base, named.subdirectory);
        if (language === undefined || language.dataEntry === undefined) continue;
        need(buf, language.dataEntry, 16, 'a resource data entry');
        const rva = buf.readUInt32LE(language.dataEntry);
        const size = buf.readUInt32LE(language.dataEntry + 4);
        const at = fileOffset(rva);
        need(buf, at, size, `resource ${named.name}`);
        rcdata.set(named.name, buf.subarray(at, at + size));
      }
    }
  }
  return { optionalOffset: optional, peOffset, machine, magic, subsystem, sections, certificateTable: { offset: certificate.address, size: certificate.size }, rcdata };
}

interface ResourceEntry {
  id?: number;
  name?: string;
  /** File offset of the next directory level. */
  subdirectory?: number;
  /** File offset of an IMAGE_RESOURCE_DATA_ENTRY. */
  dataEntry?: number;
}

function entries(buf: Buffer, base: number, directory: number): ResourceEntry[] {
  need(buf, directory, 16, 'a resource directory');
  const count = buf.readUInt16LE(directory + 12) + buf.readUInt16LE(directory + 14);
  need(buf, directory + 16, count * 8, 'resource directory entries');
  const found: ResourceEntry[] = [];
  for (let i = 0; i < count; i++) {
    const at = directory + 16 + i * 8;
    const nameField = buf.readUInt32LE(at);
    const dataField = buf.readUInt32LE(at + 4);
    const entry: ResourceEntry = {};
    if (nameField & 0x80000000) {
      const nameAt = base + (nameField & 0x7fffffff);
      need(buf, nameAt, 2, 'a resource name');
      const length = buf.readUInt16LE(nameAt);
      need(buf, nameAt + 2, length * 2, 'a resource name');
      entry.name = buf.toString('utf16le', nameAt + 2, nameAt + 2 + length * 2);
    } else {
      entry.id = nameField;
    }
    if (dataField & 0x80000000) entry.subdirectory = base + (dataField & 0x7fffffff);
    else entry.dataEntry = base + dataField;
    found.push(entry);
  }
  return found;
}

/**
 * The image without its Authenticode signature, as `signtool remove /s` leaves it: the certificate
 * table (always the file's last bytes) cut off and its directory entry zeroed. Injecting into a
 * signed node.exe otherwise leaves a signature that no longer matches (and, after postject moves
 * .rsrc, points into the new resource data).
 */
export function withoutSignature(buf: Buffer): Buffer {
  const pe = readPe(buf);
  const { offset, size } = pe.certificateTable;
  if (size === 0) return buf;
  const end = offset + size;
  if (offset === 0 || end > buf.length || buf.length - end >= 8) {
    throw new PeError(`the certificate table (${offset}+${size}) is not at the end of the file (${buf.length} bytes)`);
  }
  const stripped = Buffer.from(buf.subarray(0, offset));
  stripped.fill(0, pe.optionalOffset + 112 + 4 * 8, pe.optionalOffset + 112 + 5 * 8);
  return stripped;
}

/** Node's SEA sentinel: `<fuse>:0` in a plain node binary, `<fuse>:1` once a blob is injected. */
export const SEA_FUSE = 'NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2';

/** '1' when the fuse is flipped, '0' when not, undefined when the fuse is missing or appears twice. */
export function fuseState(buf: Buffer): '0' | '1' | undefined {
  const first = buf.indexOf(`${SEA_FUSE}:`, 0, 'latin1');
  if (first === -1 || buf.indexOf(`${SEA_FUSE}:`, first + 1, 'latin1') !== -1) return undefined;
  const state = buf.toString('latin1', first + SEA_FUSE.length + 1, first + SEA_FUSE.length + 2);
  return state === '0' || state === '1' ? state : undefined;
}
