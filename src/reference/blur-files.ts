/**
 * Stand-ins for Talk's background blur binaries, small but real: every .wasm is a valid
 * WebAssembly module a browser compiles (the SIMD builds only where WebAssembly SIMD exists,
 * exactly like Talk's), every .tflite is a FlatBuffer with TFLite's file identifier. Encoded by
 * hand so the reference platform needs no toolchain. Byte layout: WebAssembly core spec,
 * chapter 5 "Binary Format" (https://webassembly.github.io/spec/core/binary/).
 */

/** `\0asm`, then binary format version 1 (spec 5.5.16). */
const WASM_HEADER = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00];

/** Section ids (spec 5.5.2). */
const SECTION = { custom: 0, type: 1, function: 3, export: 7, code: 10 } as const;

/** Unsigned LEB128 (spec 5.2.2), used for every size and index. */
function uleb(n: number): number[] {
  const out: number[] = [];
  do {
    let byte = n & 0x7f;
    n >>>= 7;
    if (n !== 0) byte |= 0x80;
    out.push(byte);
  } while (n !== 0);
  return out;
}

/** A name: byte length, then UTF-8 (spec 5.2.4). */
function name(s: string): number[] {
  const bytes = [...Buffer.from(s, 'utf8')];
  return [...uleb(bytes.length), ...bytes];
}

/** A section: id, byte size of the contents, contents (spec 5.5.2). */
function section(id: number, contents: number[]): number[] {
  return [id, ...uleb(contents.length), ...contents];
}

/** A vector: element count, then the elements (spec 5.1.3). */
function vec(items: number[][]): number[] {
  return [...uleb(items.length), ...items.flat()];
}

const I32 = 0x7f;
const FUNC_TYPE = 0x60;
const EXPORT_FUNC = 0x00;
const OP = {
  localGet: 0x20,
  i32Const: 0x41,
  i32Add: 0x6a,
  end: 0x0b,
  /** Prefix of the SIMD (v128) instructions (spec 5.4.8). */
  simdPrefix: 0xfd,
  /** `i32x4.splat`: i32 -> v128 (SIMD opcode 17). */
  i32x4Splat: 17,
  /** `i32x4.extract_lane l`: v128 -> i32 (SIMD opcode 27). */
  i32x4ExtractLane: 27,
} as const;

/**
 * A module with one exported function `probe` and a custom section naming what it stands for.
 * `simd: false` → `probe(a: i32, b: i32): i32 = a + b`.
 * `simd: true`  → `probe(a: i32): i32 = i32x4.extract_lane 0 (i32x4.splat a)`: a v128
 * instruction, so a browser without WebAssembly SIMD rejects the module at compile time,
 * the way it rejects Talk's tflite-simd.wasm / vision_wasm_internal.wasm.
 */
export function blurWasmModule(file: string, simd: boolean): Buffer {
  // Custom section "talk-certify": free-form bytes engines ignore; says which Talk file this replaces.
  const custom = section(SECTION.custom, [...name('talk-certify'), ...Buffer.from(`reference stand-in for Talk's ${file}`, 'utf8')]);
  // Type section: one function type, (i32, i32) -> i32, or (i32) -> i32 for the SIMD variant.
  const params = simd ? [I32] : [I32, I32];
  const type = section(SECTION.type, vec([[FUNC_TYPE, ...uleb(params.length), ...params, 1, I32]]));
  // Function section: one function, of type index 0.
  const func = section(SECTION.function, vec([uleb(0)]));
  // Export section: that function (index 0) as "probe".
  const exp = section(SECTION.export, vec([[...name('probe'), EXPORT_FUNC, ...uleb(0)]]));
  // Code section: one body = size, local declarations (none), instructions, `end`.
  const instructions = simd
    ? [OP.localGet, 0, OP.simdPrefix, ...uleb(OP.i32x4Splat), OP.simdPrefix, ...uleb(OP.i32x4ExtractLane), 0, OP.end]
    : [OP.localGet, 0, OP.localGet, 1, OP.i32Add, OP.end];
  const body = [...uleb(0), ...instructions];
  const code = section(SECTION.code, vec([[...uleb(body.length), ...body]]));
  return Buffer.from([...WASM_HEADER, ...custom, ...type, ...func, ...exp, ...code]);
}

/** True when the module's code uses the 0xFD (SIMD) instruction prefix followed by a v128 opcode we emit. */
export function containsSimdInstruction(wasm: Buffer): boolean {
  for (let i = 0; i + 1 < wasm.length; i++) {
    if (wasm[i] === OP.simdPrefix && (wasm[i + 1] === OP.i32x4Splat || wasm[i + 1] === OP.i32x4ExtractLane)) return true;
  }
  return false;
}

/**
 * A minimal TFLite model: a FlatBuffer (https://flatbuffers.dev/internals/) whose root table is
 * a `Model` with only `version = 3` set, and the schema's `file_identifier "TFL3"` at offset 4
 * (tensorflow/lite/schema/schema.fbs). Readers that check the identifier, as Talk's loaders do
 * implicitly, accept it; it has no subgraphs, so it segments nothing.
 */
export function blurTfliteModel(): Buffer {
  const buf = Buffer.alloc(24);
  buf.writeUInt32LE(16, 0); // root table offset
  buf.write('TFL3', 4, 'latin1'); // file identifier
  // vtable at 8: its size (6 bytes), the table's size (8 bytes), field 0 (`version`) at table+4.
  buf.writeUInt16LE(6, 8);
  buf.writeUInt16LE(8, 10);
  buf.writeUInt16LE(4, 12);
  // 14–15: padding so the table is 4-byte aligned.
  buf.writeInt32LE(16 - 8, 16); // table at 16: signed offset back to its vtable
  buf.writeUInt32LE(3, 20); // Model.version = 3 (the schema version of TFL3 files)
  return buf;
}
