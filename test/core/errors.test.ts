// One-line error formatting: locations and foreign messages made printable.
import { test } from 'node:test';
import assert from 'node:assert/strict';
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
