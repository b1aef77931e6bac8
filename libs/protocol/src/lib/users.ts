import { z } from 'zod';
import { PROTOCOL_LIMITS } from './limits';
import {
  HAS_CONTROL_CHARACTER,
  hasNoControlCharacter,
  isWellFormed,
  NOT_WELL_FORMED,
} from './unicode';

/**
 * A user id, as a token's `sub` and a publish's `userIds` carry it: 1–255 characters of valid
 * Unicode without control characters, so it can be stored and matched as given.
 */
export const userId = z
  .string()
  .min(1)
  .max(PROTOCOL_LIMITS.maxUserIdLength)
  .refine(isWellFormed, NOT_WELL_FORMED)
  .refine(hasNoControlCharacter, HAS_CONTROL_CHARACTER);

/** A display name, as a token's `name` carries it: the same rule as a user id. */
export const userName = z
  .string()
  .min(1)
  .max(PROTOCOL_LIMITS.maxUserNameLength)
  .refine(isWellFormed, NOT_WELL_FORMED)
  .refine(hasNoControlCharacter, HAS_CONTROL_CHARACTER);
