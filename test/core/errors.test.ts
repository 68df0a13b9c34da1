// One-line error formatting: locations and foreign messages made printable.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cborFailureReason, decodeCborItem } from '../../src/core/cbor.js';
import { inputError, oneLineReason, usageError } from '../../src/core/errors.js';
import { parseJsonObject } from '../../src/measure/json.js';

test('an error message names file, header index, offset and field in that order', () => {
  const e = inputError('X', 'bad thing', { file: 'a.igvm', index: 3, offset: 0x40, field: 'gpa' });
  assert.equal(e.message, 'a.igvm: header 3: offset 0x40: gpa: bad thing');
  assert.equal(e.kind, 'input');
  assert.equal(usageError('Y', 'no', '--x').kind, 'usage');
});

test('foreign messages are cut to one printable ASCII line', () => {
  assert.equal(oneLineReason(new Error('first\nsecond')), 'first');
  assert.equal(oneLineReason(new Error('tok \u0000\u00ff\ufffd end')), 'tok ??? end');
  assert.equal(oneLineReason('x'.repeat(500)).length, 120);
});

test('binary input given as JSON gives a one-line printable error', () => {
  const junk = String.fromCharCode(...Array.from({ length: 64 }, (_, i) => (i * 37 + 200) % 256));
  assert.throws(
    () => parseJsonObject(junk, 'junk.bin'),
    (e: Error) => /^junk\.bin: is not valid JSON \([\x20-\x7e]*\)$/.test(e.message),
  );
});

test('CBOR decode failures: our reason, the decoder\'s message only when it is readable', () => {
  const one = new Uint8Array([1]);
  assert.throws(() => decodeCborItem(new Uint8Array([0xf8, 0x1f]), 'x.cbor', 'CoRIM', {}), (e: Error & { code?: string }) =>
    e.code === 'BAD_CBOR' && e.message === 'x.cbor: is not valid CoRIM: malformed CBOR (Invalid simple encoding in extra byte: 31)');
  assert.equal(cborFailureReason(new RangeError('Offset is outside the bounds of the DataView'), one), 'truncated CBOR (ends inside an item)');
  assert.equal(cborFailureReason(new Error('Extra data in input'), one), 'trailing bytes after the CBOR item');
  // Runtime errors and binary quoted back say nothing useful to a user.
  assert.equal(cborFailureReason(new TypeError('Cannot mix BigInt and other types, use explicit conversions'), one), 'malformed CBOR');
  assert.equal(cborFailureReason(new Error('Expected string: \u00ff\u0001'), one), 'standard tag with content of the wrong type');
  assert.equal(cborFailureReason(new Error('odd \u00ff\u0001'), one), 'malformed CBOR');
  assert.equal(cborFailureReason(new Error('x'.repeat(200)), one), 'malformed CBOR');
  assert.equal(cborFailureReason(new Error('anything'), new Uint8Array(0)), 'empty input (no CBOR item)');
});
