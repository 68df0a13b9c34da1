/**
 * The JSON form of a measurement (`snp-launch measure --json`), shared by the CLI and the explorer
 * so both export byte-identical documents, and read back by `snp-launch diff`. Browser-safe.
 *
 * Schema "snp-launch.measure/1" (docs/json-output.md), keys in this order:
 *   format     "snp-launch.measure/1"
 *   tool       "snp-launch";  version: the tool's version
 *   image      "ovmf" | "igvm" | "krun" (libkrun: qboot + kernel + initrd)
 *   mode       sev | seves | snp | snp:ovmf-hash | snp:svsm (OVMF); the library's label for IGVM
 *   platform   qemu-kvm | ec2 | gce (OVMF); an IGVM platform id (IGVM)
 *   algorithm  "sha384" (SNP) | "sha256" (SEV, SEV-ES)
 *   digest     lowercase hex (96 or 64 digits)
 *   inputs     { role: { path, size, sha256 } }; roles: ovmf, kernel, initrd, svsm, varsFile, igvm
 *   options    the measurement parameters after defaults (absent = not given / not applicable):
 *              vcpus, vcpuType, vcpuSig ("0x%08x"), guestFeatures ("0x%x"), append,
 *              snpOvmfHash (hex), varsSize, nativeZero, kernelSha256, initrdSha256 (hex),
 *              ovmfMetadata (path)
 *   warnings   [string]
 *   idBlock    only when the IGVM file carries an SNP_ID_BLOCK: { ld (hex, 96 digits), matches }
 *   launchable only for OVMF on QEMU in modes snp/seves: { platform: "qemu-kvm", ok, reasons [string] }
 *   log        only with --log: [{ index, gpa ("0x%x"), type (NORMAL|VMSA|ZERO|UNMEASURED|SECRETS|CPUID),
 *              contents (hex, 96 digits), digest (hex after this step), origin }]
 * Bytes are lowercase hex; 64-bit values are "0x" hex strings so no reader loses precision.
 */
import { toHex } from '../core/bytes.js';
import { inputError, oneLineReason } from '../core/errors.js';
import { hashProvider } from '../core/hash.js';
import { hashSource, type ByteSource } from '../core/source.js';
import type { MeasurementLogEntry } from '../firmware/log.js';
import { PAGE_TYPE_NAMES } from '../firmware/page-types.js';
import type { MeasureResult } from './types.js';

export const MEASURE_JSON_FORMAT = 'snp-launch.measure/1';

export interface InputInfo {
  /** The path (or name) as the user gave it. */
  path: string;
  size: number;
  /** SHA-256 of the whole file, lowercase hex. */
  sha256: string;
}

export interface MeasureJsonOptions {
  vcpus?: number;
  vcpuType?: string;
  /** "0x%08x" */
  vcpuSig?: string;
  /** "0x%x" */
  guestFeatures?: string;
  append?: string;
  snpOvmfHash?: string;
  varsSize?: number;
  nativeZero?: boolean;
  /** "init2" | "legacy" (only when given) */
  kvm?: string;
  /** "0x%x" (only when given) */
  vmsaGpa?: string;
  /** "0x%08x" (only when given) */
  rdx?: string;
  /** SHA-256 hex of the kernel / initrd when given by hash (--kernel-sha256, --initrd-sha256). */
  kernelSha256?: string;
  initrdSha256?: string;
  /** The `ovmf metadata` document measured instead of the firmware (--ovmf-metadata). */
  ovmfMetadata?: string;
  /** krun: guest RAM in MiB; "0x%x" load address of a flattened kernel (only when given) */
  ramMiB?: number;
  kernelGpa?: string;
}

export interface MeasureJsonLogEntry {
  index: number;
  gpa: string;
  type: string;
  contents: string;
  digest: string;
  origin: string;
}

/** The image's SNP_ID_BLOCK checked against the computed digest (IGVM only). */
export interface MeasureJsonIdBlock {
  /** ID_BLOCK.LD, the launch digest the ID block expects, lowercase hex. */
  ld: string;
  /** ld equals `digest`: SNP_LAUNCH_FINISH accepts this ID block on this platform. */
  matches: boolean;
}

export interface MeasureJson {
  format: typeof MEASURE_JSON_FORMAT;
  tool: string;
  version: string;
  image: 'ovmf' | 'igvm' | 'krun';
  mode: string;
  platform: string;
  algorithm: 'sha384' | 'sha256';
  digest: string;
  inputs: Record<string, InputInfo>;
  options: MeasureJsonOptions;
  warnings: string[];
  idBlock?: MeasureJsonIdBlock;
  /** Would QEMU launch this (OVMF, modes snp/seves on QEMU)? */
  launchable?: { platform: 'qemu-kvm'; ok: boolean; reasons: string[] };
  log?: MeasureJsonLogEntry[];
}

/** Size and streamed SHA-256 of an input (never holds more than one chunk in memory). */
export async function describeInput(src: ByteSource): Promise<InputInfo> {
  const digest = await hashSource(src, hashProvider().createSha256());
  return { path: src.name, size: src.size, sha256: toHex(digest) };
}

export const hexU32 = (v: number): string => '0x' + (v >>> 0).toString(16).padStart(8, '0');
export const hexBig = (v: bigint | number): string => '0x' + v.toString(16);

export function logEntryToJson(e: MeasurementLogEntry): MeasureJsonLogEntry {
  return { index: e.index, gpa: hexBig(e.gpa), type: PAGE_TYPE_NAMES[e.pageType], contents: toHex(e.contents), digest: toHex(e.digest), origin: e.origin };
}

export interface MeasureJsonParams {
  version: string;
  image: 'ovmf' | 'igvm' | 'krun';
  result: MeasureResult;
  inputs: Record<string, InputInfo>;
  options: MeasureJsonOptions;
  /** Include result.log (the CLI does so only with --log). */
  includeLog: boolean;
}

export function buildMeasureJson(p: MeasureJsonParams): MeasureJson {
  const doc: MeasureJson = {
    format: MEASURE_JSON_FORMAT,
    tool: 'snp-launch',
    version: p.version,
    image: p.image,
    mode: p.result.mode,
    platform: p.result.platform,
    algorithm: p.result.algorithm,
    digest: toHex(p.result.digest),
    inputs: p.inputs,
    options: p.options,
    warnings: [...p.result.warnings],
  };
  if (p.result.idBlock?.present) doc.idBlock = { ld: p.result.idBlock.expected, matches: p.result.idBlock.matches };
  if (p.result.launchable) doc.launchable = { platform: p.result.launchable.platform, ok: p.result.launchable.ok, reasons: [...p.result.launchable.reasons] };
  if (p.includeLog && p.result.log) doc.log = p.result.log.map(logEntryToJson);
  return doc;
}

/**
 * Pretty JSON with two-space indentation, except that each log entry takes one line: a 4 MiB
 * image has over a thousand entries, and line-based diffs then show one changed step per line.
 */
export function formatMeasureJson(doc: MeasureJson): string {
  const { log, ...head } = doc;
  const body = JSON.stringify(head, null, 2);
  if (log === undefined) return body + '\n';
  const entries = log.map((e) => '    ' + JSON.stringify(e)).join(',\n');
  const logText = log.length === 0 ? '[]' : `[\n${entries}\n  ]`;
  return `${body.slice(0, -2)},\n  "log": ${logText}\n}\n`;
}

/**
 * Parses `text` as one JSON object, with one-line errors naming `file`: the shared first step of
 * every reader of snp-launch JSON documents (this file, explain/measure-json.ts).
 */
export function parseJsonObject(text: string, file: string, what = 'a JSON object'): Record<string, unknown> {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (e) {
    throw inputError('BAD_JSON', `is not valid JSON (${oneLineReason(e)})`, { file });
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) {
    throw inputError('BAD_MEASURE_JSON', `must be ${what}`, { file, field: '(top level)' });
  }
  return v as Record<string, unknown>;
}

/** Reads a document back (for `snp-launch diff`), checking every field it relies on. */
export function parseMeasureJson(text: string, file: string): MeasureJson {
  const o = parseJsonObject(text, file);
  const bad = (field: string, why: string) => inputError('BAD_MEASURE_JSON', why, { file, field });
  if (o.format !== MEASURE_JSON_FORMAT) throw bad('format', `must be "${MEASURE_JSON_FORMAT}" (output of snp-launch measure --json)`);
  for (const k of ['tool', 'version', 'mode', 'platform', 'digest'] as const) {
    if (typeof o[k] !== 'string') throw bad(k, 'must be a string');
  }
  if (o.image !== 'ovmf' && o.image !== 'igvm' && o.image !== 'krun') throw bad('image', 'must be "ovmf", "igvm" or "krun"');
  if (o.algorithm !== 'sha384' && o.algorithm !== 'sha256') throw bad('algorithm', 'must be "sha384" or "sha256"');
  const hexLen = o.algorithm === 'sha384' ? 96 : 64;
  if (!new RegExp(`^[0-9a-f]{${hexLen}}$`).test(o.digest as string)) throw bad('digest', `must be ${hexLen} lowercase hex digits`);
  for (const k of ['inputs', 'options'] as const) {
    if (typeof o[k] !== 'object' || o[k] === null || Array.isArray(o[k])) throw bad(k, 'must be an object');
  }
  if (!Array.isArray(o.warnings) || !o.warnings.every((w) => typeof w === 'string')) throw bad('warnings', 'must be an array of strings');
  if (o.idBlock !== undefined) {
    const b = o.idBlock as Record<string, unknown> | null;
    if (typeof b !== 'object' || b === null || typeof b.ld !== 'string' || !/^[0-9a-f]{96}$/.test(b.ld) || typeof b.matches !== 'boolean') {
      throw bad('idBlock', 'must be { ld: 96 lowercase hex digits, matches: true | false }');
    }
  }
  if (o.log !== undefined) {
    if (!Array.isArray(o.log)) throw bad('log', 'must be an array');
    o.log.forEach((e: unknown, i: number) => {
      const r = e as Record<string, unknown>;
      const ok =
        typeof r === 'object' && r !== null && typeof r.index === 'number' && typeof r.gpa === 'string' && /^0x[0-9a-f]+$/.test(r.gpa) &&
        typeof r.type === 'string' && typeof r.contents === 'string' && typeof r.digest === 'string' && typeof r.origin === 'string';
      if (!ok) throw bad(`log[${i}]`, 'must have index, gpa ("0x" hex), type, contents, digest and origin');
    });
  }
  return o as unknown as MeasureJson;
}
