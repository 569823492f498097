import { Type } from '@sinclair/typebox';
import { describe, expect, it } from 'vitest';
import { checkNumberTexts, numericFields, withStrictNumbers } from './strict-numbers.ts';

const QuerySchema = Type.Object({ limit: Type.Integer(), lat: Type.Number(), before: Type.String() });
const fields = numericFields(QuerySchema);

describe('strict number texts', () => {
  it('finds the integer and number fields of an object schema', () => {
    expect([...fields]).toEqual([
      ['limit', 'integer'],
      ['lat', 'number'],
    ]);
    expect(numericFields(undefined).size).toBe(0);
  });

  it('accepts decimal integers and decimal numbers with a fraction or exponent', () => {
    for (const limit of ['0', '20', '-3', '007']) expect(checkNumberTexts(fields, { limit })).toBeNull();
    for (const lat of ['1.5', '-0.25', '.5', '5.', '1e3', '1E-3', '-90']) expect(checkNumberTexts(fields, { lat })).toBeNull();
    expect(checkNumberTexts(fields, { before: 'Infinity' })).toBeNull();
  });

  it('rejects non-finite and non-decimal texts with an Ajv-shaped error on the field', () => {
    for (const limit of ['Infinity', '-Infinity', '1e400', '9'.repeat(400), 'NaN', '0x10', ' 5', '', '1.5', '1e1', ['5', 'Infinity']]) {
      expect(checkNumberTexts(fields, { limit })).toMatchObject({ instancePath: '/limit', keyword: 'type', params: { type: 'integer' } });
    }
    for (const lat of ['Infinity', '1e400', '-1e400', '0x10', '0b1', '1,5', 'abc', '']) {
      expect(checkNumberTexts(fields, { lat })).toMatchObject({ instancePath: '/lat', message: 'must be a finite decimal number' });
    }
  });

  it('runs the wrapped validator only when the texts pass, and passes its errors on', () => {
    let calls = 0;
    const inner = Object.assign((data: unknown) => {
      calls++;
      return (data as { limit: string }).limit !== '13';
    }, { errors: null as unknown });
    const validate = withStrictNumbers(QuerySchema, inner as never) as unknown as ((data: unknown) => unknown) & { errors?: unknown };
    expect(validate({ limit: 'Infinity' })).toBe(false);
    expect(validate.errors).toEqual([expect.objectContaining({ instancePath: '/limit' })]);
    expect(calls).toBe(0);
    expect(validate({ limit: '5' })).toBe(true);
    expect(calls).toBe(1);
  });
});
