// Every `--json` output of every command, produced for real by the built CLI, validates against its
// JSON Schema in docs/schemas/ (draft 2020-12, checked by ajv); every schema compiles in ajv's
// strict mode; every format the CLI can print has a schema file, and every schema is linked from
// docs/json-output.md. Inputs: the shared fixtures, via ./_workspace.ts, and a GCE endorsement
// signed with the development key (../endorsements/_endorsements.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { needsShared, REPO, shared } from '../_shared.js';
import { cliBuilt, runCli } from './_cli.js';
import { workspace } from './_workspace.js';
import { buildGceEndorsement, GCE, GCE_OVMF, referenceGce } from '../endorsements/_endorsements.js';

const SCHEMAS = join(REPO, 'docs', 'schemas');
const kinds = readdirSync(SCHEMAS).filter((f) => f.endsWith('.schema.json')).map((f) => f.slice(0, -'.schema.json'.length));
const ajv = new Ajv2020({ allErrors: true, strict: true });
const schema = (kind: string) => JSON.parse(readFileSync(join(SCHEMAS, `${kind}.schema.json`), 'utf8')) as { $id: string; properties: { format: { const: string } } };

test('every schema compiles (ajv strict, draft 2020-12), is named after its format and is linked from docs/json-output.md', () => {
  const doc = readFileSync(join(REPO, 'docs', 'json-output.md'), 'utf8');
  assert.ok(kinds.length >= 14, `only ${kinds.length} schemas`);
  for (const k of kinds) {
    const s = schema(k);
    ajv.compile(s);
    assert.match(s.properties.format.const, new RegExp(`^snp-launch\\.${k}/\\d+$`), `${k}: format const`);
    assert.ok(doc.includes(`(schemas/${k}.schema.json)`), `docs/json-output.md links schemas/${k}.schema.json`);
  }
});

test('every JSON format the sources print has a schema file', () => {
  const found = new Set<string>();
  const walk = (dir: string): void => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (p.endsWith('.ts')) {
        const text = readFileSync(p, 'utf8');
        for (const m of text.matchAll(/formatJsonDoc\('([a-z-]+)', (\d+)/g)) found.add(`${m[1]}`);
        for (const m of text.matchAll(/'snp-launch\.([a-z-]+)\/\d+'/g)) found.add(m[1]!);
      }
    }
  };
  walk(join(REPO, 'src'));
  assert.ok(found.has('match') && found.has('measure'), [...found].join(', '));
  for (const k of found) assert.ok(kinds.includes(k), `snp-launch.${k} is printed by src/ but docs/schemas/${k}.schema.json is missing`);
});

/** The command lines whose output is checked, by kind (several per kind where the shape varies). */
const RUNS: [string, string[], number?][] = [
  ['measure', ['measure', '--mode', 'snp', '--vcpus', '2', '--vcpu-type', 'EPYC-v4', '--ovmf', 'OVMF.fd', '--kernel', 'vmlinuz', '--initrd', 'initrd.img', '--append', 'console=ttyS0', '--json', '--log']],
  ['measure', ['measure', '--mode', 'seves', '--vcpus', '1', '--vcpu-sig', '0xa00f11', '--ovmf', 'OVMF.fd', '--json']],
  ['measure', ['measure', '--igvm', 'guest.igvm', '--platform', 'qemu-kvm', '--vcpus', '1', '--vcpu-type', 'EPYC-v4', '--json']],
  ['measure-range', ['measure', '--mode', 'snp', '--vcpus', '1-4', '--vcpu-type', 'EPYC-v4', '--ovmf', 'OVMF.fd', '--json']],
  ['measure-range', ['measure', '--igvm', 'guest.igvm', '--platform', 'qemu-kvm', '--vcpus', '1,3', '--vcpu-type', 'EPYC-v4', '--json']],
  ['match', ['match', '--measurement', '@measure', '--ovmf', 'OVMF.fd', '--vcpus', '1-4', '--json']],
  ['match', ['match', '--measurement', 'ab'.repeat(48), '--ovmf', 'OVMF.fd', '--vcpus', '1-4', '--json'], 1],
  ['match', ['match', '--report', 'report.bin', '--igvm', 'guest.igvm', '--vcpus', '1,2', '--json'], 1],
  ['refvalues', ['refvalues', '--ovmf', 'OVMF.fd', '--platform', 'qemu-kvm,ec2', '--vcpus', '1,2', '--vcpu-type', 'EPYC-v4', '--policy', '0x30000', '--family-id', '00'.repeat(16), '--min-tcb', '0xdb18000000000004', '--guest-svn', '2']],
  ['refvalues', ['refvalues', '--measurement', 'ab'.repeat(48)]],
  ['compact', ['refvalues', '--ovmf', 'OVMF.fd', '--format', 'compact', '--platform', 'qemu-kvm,ec2', '--vcpu-type', 'EPYC-v4', '--policy', '0x30000', '--family-id', '00'.repeat(16)]],
  ['compact', ['refvalues', '--ovmf', 'OVMF.fd', '--kernel', 'vmlinuz', '--format', 'compact', '--platform', 'gce']],
  ['measure-compact', ['measure', '--compact', 'compact.json', '--vcpus', '1-3', '--json']],
  ['ovmf-metadata', ['ovmf', 'metadata', 'OVMF.fd']],
  ['ovmf-metadata', ['ovmf', 'metadata', shared(GCE_OVMF)]],
  ['id-block', ['id-block', '--measurement', 'q'.repeat(64), '--id-key', 'id.pem', '--author-key', 'author.pem', '--deterministic', '--json']],
  ['igvm-inspect', ['igvm', 'inspect', 'guest.igvm', '--json']],
  ['igvm-inspect', ['igvm', 'inspect', 'old.igvm', '--json']],
  ['igvm-build', ['igvm', 'build', '--ovmf', 'OVMF.fd', '--vcpu-type', 'EPYC-v4', '--for', 'igvmmeasure,openvmm', '--id-key', 'id.pem', '-o', 'built.igvm', '--json']],
  ['portability', ['portability', '--igvm', 'guest.igvm', '--vcpus', '2', '--vcpu-type', 'EPYC-v4', '--json'], 1],
  ['portability', ['portability', '--igvm', 'old.igvm', '--json'], 1],
  ['portability-fix', ['portability', '--fix', '--igvm', 'old.igvm', '--for', 'openvmm,kvm-vmsa-page', '-o', 'fixed.igvm', '--json']],
  ['diff', ['diff', 'a.json', 'b.json', '--json'], 1],
  ['replay', ['replay', 'trace.json', '--log', '--json']],
  ['replay', ['replay', 'trace-rejected.json', '--json'], 1],
  ['qemu-replay', ['replay', '--qemu-trace', shared('vectors', 'qemu-trace', 'amdsev-issue-195-trace.txt'), '--json']],
  ['qemu-replay', ['replay', '--qemu-trace', shared('vectors', 'qemu-trace', 'amd-sev-utils-issue-17-trace.txt'), '--ovmf', 'OVMF.fd', '--vcpus', '2', '--vcpu-type', 'EPYC-v4', '--json'], 1],
  ['demo', ['demo', '--json']],
  ['report', ['report', 'show', 'report.bin', '--json']],
  ['report-verify', ['report', 'verify', 'report.bin', '--cert', 'vcek.der', '--json']],
  ['gce-endorsement', ['gce', 'endorsement', 'show', 'endorsement.binarypb', '--json']],
  ['gce-verify', ['gce', 'endorsement', 'verify', 'endorsement.binarypb', '--root', GCE('testing_devkeys_root.crt'), '--ovmf', shared(GCE_OVMF), '--at', '2026-01-01', '--json']],
  ['gce-verify', ['gce', 'endorsement', 'verify', 'endorsement.binarypb', '--at', '2026-01-01', '--json'], 1],
];

test('real --json outputs of every command validate against their schemas', { skip: needsShared }, async () => {
  cliBuilt();
  const dir = await workspace();
  // Inputs made by the commands themselves: two measure --log --json documents that differ, for diff.
  for (const [f, p] of [['a.json', 'qemu-kvm'], ['b.json', 'openvmm']] as const) {
    const r = await runCli(['measure', '--igvm', 'old.igvm', '--platform', p, '--vcpus', '1', '--vcpu-type', 'EPYC-v4', '--log', '--json'], dir);
    assert.equal(r.code, 0, r.stderr);
    writeFileSync(join(dir, f), r.stdout);
  }
  // A GCE launch endorsement of the 4M OVMF, signed with gce-tcb-verifier's development key.
  writeFileSync(join(dir, 'endorsement.binarypb'), buildGceEndorsement(referenceGce()));
  // A compact launch description for `measure --compact`.
  const compact = await runCli(['refvalues', '--ovmf', 'OVMF.fd', '--format', 'compact', '--vcpu-type', 'EPYC-v4'], dir);
  assert.equal(compact.code, 0, compact.stderr);
  writeFileSync(join(dir, 'compact.json'), compact.stdout);
  const digest = JSON.parse((await runCli(['measure', '--mode', 'snp', '--vcpus', '3', '--vcpu-type', 'EPYC-v4', '--ovmf', 'OVMF.fd', '--json'], dir)).stdout).digest as string;
  const seen = new Set<string>();
  for (const [kind, argv, code = 0] of RUNS) {
    const r = await runCli(argv.map((a) => (a === '@measure' ? digest : a)), dir);
    assert.equal(r.code, code, `${argv.join(' ')}: exit ${r.code}\n${r.stderr}`);
    const doc = JSON.parse(r.stdout) as { format: string };
    const validate = ajv.getSchema(schema(kind).$id) ?? ajv.compile(schema(kind));
    const why = () => (validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message} ${JSON.stringify(e.params)}`).join('; ');
    assert.ok(validate(doc), `${argv.join(' ')} does not match docs/schemas/${kind}.schema.json: ${why()}`);
    seen.add(kind);
  }
  for (const k of kinds) assert.ok(seen.has(k), `no real output checked against ${k}.schema.json`);
  void shared;
});

test('the schemas reject what they must: a wrong format tag, a short digest, an undeclared key', () => {
  const v = ajv.getSchema(schema('measure-range').$id) ?? ajv.compile(schema('measure-range'));
  const good = { format: 'snp-launch.measure-range/1', tool: 'snp-launch', version: '0.1.0', image: 'ovmf', mode: 'snp', platform: 'qemu-kvm', algorithm: 'sha384', options: {}, digests: [{ vcpus: 1, measurement: 'ab'.repeat(48) }] };
  assert.ok(v(good), ajv.errorsText(v.errors));
  assert.ok(!v({ ...good, format: 'snp-launch.measure/1' }));
  assert.ok(!v({ ...good, digests: [{ vcpus: 1, measurement: 'ab'.repeat(47) }] }));
  assert.ok(!v({ ...good, extra: 1 }));
  const m = ajv.getSchema(schema('match').$id) ?? ajv.compile(schema('match'));
  const none = { format: 'snp-launch.match/1', tool: 'snp-launch', version: '0', measurement: 'ab'.repeat(48), matches: [], searched: { configurations: 1, spaceSize: 1, ms: 0 } };
  assert.ok(!m(none), 'a no-match document without its explanation is invalid');
  assert.ok(m({ ...none, explanation: ['no configuration ...'] }), ajv.errorsText(m.errors));
  const q = ajv.getSchema(schema('qemu-replay').$id) ?? ajv.compile(schema('qemu-replay'));
  const trace = { file: 't.log', format: 'upstream', policy: '0x30000', finished: true, retries: 0, updates: [{ gpa: '0xffc00000', len: '0x400000', type: 'NORMAL', lines: [7] }], warnings: [] };
  assert.ok(q({ format: 'snp-launch.qemu-replay/1', tool: 'snp-launch', version: '0', trace }), ajv.errorsText(q.errors));
  assert.ok(!q({ format: 'snp-launch.qemu-replay/1', tool: 'snp-launch', version: '0', trace, predicted: { digest: 'ab'.repeat(48), pages: 1, vcpus: 1 } }), 'a prediction without its replays is invalid');
  assert.ok(!q({ format: 'snp-launch.qemu-replay/1', tool: 'snp-launch', version: '0', trace: { ...trace, updates: [{ ...trace.updates[0], type: 'Normal' }] } }));
  const g = ajv.getSchema(schema('gce-endorsement').$id) ?? ajv.compile(schema('gce-endorsement'));
  const e = { format: 'snp-launch.gce-endorsement/1', tool: 'snp-launch', version: '0', file: 'e.pb', timestamp: null, cl_spec: '1', commit: null, uefi_digest: null, signer_cert_bytes: 0, sev_snp: null, tdx: false };
  assert.ok(g(e), ajv.errorsText(g.errors));
  assert.ok(!g({ ...e, cl_spec: 1 }), 'cl_spec is a decimal string (uint64)');
  assert.ok(!g({ ...e, sev_snp: { svn: 1, policy: null, family_id: null, image_id: null, measurements: { '0': 'ab'.repeat(48) }, svsm_measurement: null } }), 'a VMSA count of 0');
});
