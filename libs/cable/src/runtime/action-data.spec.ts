import { test } from 'node:test';
import assert from 'node:assert/strict';
import 'reflect-metadata';
import { Type } from 'class-transformer';
import { IsInt, IsString, ValidateNested } from 'class-validator';
import { DEFAULT_VALIDATOR_OPTIONS, prepareActionData } from './action-data.js';

class Address {
  @IsString()
  street!: string;
}

class Order {
  @IsInt()
  quantity!: number;

  @ValidateNested()
  @Type(() => Address)
  address!: Address;
}

test('without a DTO the plain data passes through', async () => {
  assert.deepEqual(await prepareActionData(undefined, { any: 1 }, DEFAULT_VALIDATOR_OPTIONS), { ok: true, data: { any: 1 } });
});

test('valid data becomes a DTO instance, unknown properties stripped', async () => {
  const result = await prepareActionData(Order, { quantity: 2, address: { street: 'Main' }, extra: true }, DEFAULT_VALIDATOR_OPTIONS);
  assert.equal(result.ok, true);
  assert.ok(result.ok && result.data instanceof Order && result.data.address instanceof Address);
  assert.deepEqual(JSON.parse(JSON.stringify(result.ok && result.data)), { quantity: 2, address: { street: 'Main' } });
});

test('invalid data gives every refused property as a dotted path with its constraints', async () => {
  const result = await prepareActionData(Order, { quantity: 'two', address: { street: 3 } }, DEFAULT_VALIDATOR_OPTIONS);
  assert.equal(result.ok, false);
  assert.deepEqual(!result.ok && result.details, [
    { property: 'quantity', constraints: { isInt: 'quantity must be an integer number' } },
    { property: 'address.street', constraints: { isString: 'street must be a string' } },
  ]);
});
