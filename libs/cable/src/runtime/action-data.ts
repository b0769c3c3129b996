import type { Type } from '@nestjs/common';
import { plainToInstance } from 'class-transformer';
import { validate, type ValidationError, type ValidatorOptions } from 'class-validator';
import type { ValidationErrorDetail } from './action-error.js';

/** Validation defaults: unknown properties are stripped, and a non-object is refused rather than passed. */
export const DEFAULT_VALIDATOR_OPTIONS: ValidatorOptions = { whitelist: true, forbidUnknownValues: true };

/** The data an action runs with, or why it may not run. */
export type ActionDataResult = { ok: true; data: object } | { ok: false; details: ValidationErrorDetail[] };

/**
 * Turns a message's data (without its `action` key) into what the action receives: an instance of its
 * DTO class once class-validator accepts it, or the plain object when the action declares no DTO.
 */
export async function prepareActionData(
  dto: Type<object> | undefined,
  data: Record<string, unknown>,
  options: ValidatorOptions,
): Promise<ActionDataResult> {
  if (!dto) return { ok: true, data };
  const instance = plainToInstance(dto, data);
  const errors = await validate(instance, options);
  return errors.length === 0 ? { ok: true, data: instance } : { ok: false, details: flattenValidationErrors(errors) };
}

/** class-validator's error tree as a flat list of property paths with their failed constraints. */
export function flattenValidationErrors(errors: readonly ValidationError[], prefix = ''): ValidationErrorDetail[] {
  const details: ValidationErrorDetail[] = [];
  for (const error of errors) {
    const property = prefix === '' ? error.property : `${prefix}.${error.property}`;
    if (error.constraints && Object.keys(error.constraints).length > 0) {
      details.push({ property, constraints: { ...error.constraints } });
    }
    if (error.children?.length) details.push(...flattenValidationErrors(error.children, property));
  }
  return details;
}
