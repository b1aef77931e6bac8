import { HttpException, HttpStatus } from '@nestjs/common';
import { apiError } from './http-error.filter';

function invalid(parameter: string, message: string): HttpException {
  return apiError(HttpStatus.BAD_REQUEST, { code: 'invalid_parameter', parameter, message });
}

/** An optional whole-number query parameter within bounds; a bad value is a 400 naming it. */
export function optionalIntegerParameter(
  name: string,
  raw: unknown,
  { min, max }: { min: number; max: number },
): number | undefined {
  if (raw === undefined) return undefined;
  if (
    typeof raw !== 'string' ||
    !/^\d{1,15}$/.test(raw) ||
    Number(raw) < min ||
    Number(raw) > max
  ) {
    throw invalid(name, `${name} must be a whole number from ${min} to ${max}`);
  }
  return Number(raw);
}

/** An optional id (a positive 64-bit decimal) as its decimal string; a bad value is a 400 naming it. */
export function optionalIdParameter(name: string, raw: unknown): string | undefined {
  if (raw === undefined) return undefined;
  if (typeof raw !== 'string' || !/^\d{1,18}$/.test(raw)) {
    throw invalid(name, `${name} must be a notification id (digits only)`);
  }
  return String(BigInt(raw));
}

/** A path or query value checked by `isValid`; a bad value is a 400 naming it. */
export function checkedParameter(
  name: string,
  raw: string,
  isValid: (value: string) => boolean,
  rule: string,
): string {
  if (!isValid(raw)) throw invalid(name, `${name} ${rule}`);
  return raw;
}
