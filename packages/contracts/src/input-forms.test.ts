import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { booleanQuery, integerQuery } from './common';
import { emailSchema } from './customer';
import { enumInput, ID_TYPES } from './enums';
import { paginationInput } from './pagination';

const inputJsonSchema = (schema: z.ZodType) => {
  const { $schema: _dialect, ...json } = z.toJSONSchema(schema, { io: 'input' }) as Record<string, unknown>;
  return json;
};

describe('an enum as input', () => {
  const idType = enumInput(ID_TYPES);

  it('takes the name, or the old numeric code as a number or its digits', () => {
    expect(idType.parse('PASSPORT')).toBe('PASSPORT');
    expect(idType.parse(0)).toBe('NID');
    expect(idType.parse('1')).toBe('PASSPORT');
  });

  it('refuses an unknown name, a code out of range, a fraction, a negative code and a digit array', () => {
    for (const bad of ['DRIVING_LICENCE', 'nid', 2, '2', 0.5, -1, '-1', ' 1', [1], null]) {
      expect(idType.safeParse(bad).success, JSON.stringify(bad)).toBe(false);
    }
    expect(idType.safeParse(2).error?.issues[0]?.message).toBe('Unknown code 2: expected 0..1');
  });

  it('is described as the names alone, with the old codes beside them', () => {
    expect(inputJsonSchema(idType)).toEqual({
      type: 'string',
      enum: ['NID', 'PASSPORT'],
      description: expect.stringContaining('0 = NID, 1 = PASSPORT'),
      'x-legacy-codes': { NID: 0, PASSPORT: 1 },
    });
  });
});

describe('query parameters', () => {
  it('read an integer from its digits, and are described as an integer with its range', () => {
    const limit = paginationInput.shape.limit;
    expect(limit.parse('100')).toBe(100);
    expect(limit.parse(7)).toBe(7);
    for (const bad of ['0', '101', '1e3', ' 1', '1.5', '-1', 'ten', ['1', '2'], true]) {
      expect(limit.safeParse(bad).success, JSON.stringify(bad)).toBe(false);
    }
    expect(inputJsonSchema(limit.unwrap())).toMatchObject({ type: 'integer', minimum: 1, maximum: 100 });
    expect(inputJsonSchema(integerQuery(z.number().int().min(0)))).toMatchObject({
      type: 'integer',
      minimum: 0,
    });
  });

  it('read a boolean from the strings z.stringbool() reads, and are described as a boolean', () => {
    expect(booleanQuery.parse('true')).toBe(true);
    expect(booleanQuery.parse('0')).toBe(false);
    expect(booleanQuery.parse(false)).toBe(false);
    expect(booleanQuery.safeParse('maybe').success).toBe(false);
    expect(inputJsonSchema(booleanQuery)).toEqual({ type: 'boolean' });
  });
});

describe('an email as input', () => {
  it('is trimmed and lower-cased, then checked', () => {
    expect(emailSchema.parse('  Aline@Example.RW ')).toBe('aline@example.rw');
    expect(emailSchema.safeParse('aline').success).toBe(false);
    expect(emailSchema.safeParse(`${'a'.repeat(250)}@b.rw`).success).toBe(false);
  });

  it('is described as an email of at most 254 characters', () => {
    expect(inputJsonSchema(emailSchema)).toMatchObject({ type: 'string', format: 'email', maxLength: 254 });
  });
});
