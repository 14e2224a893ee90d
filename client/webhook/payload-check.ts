// Validates a webhook payload with the WebhookPayload schema compiled to code by
// `npm run generate` (generated/webhook-payload-validator.ts): no description is read at run time,
// and nothing is compiled on first use. The webhook receiver and the stub's deliveries use it.
import type { ErrorObject } from 'ajv';
import { toViolations, type ValidationResult } from '../../description/schemas.js';
import { validateWebhookPayload as compiled } from '../../generated/webhook-payload-validator.js';

/** What Ajv's standalone code is: a validate function that leaves its errors on itself. */
type CompiledValidator = ((data: unknown) => boolean) & { errors?: ErrorObject[] | null };

const validate = compiled as unknown as CompiledValidator;

/** The payload checked against the description's WebhookPayload, violations as SchemaValidator gives them. */
export function checkWebhookPayload(value: unknown): ValidationResult {
  const valid = validate(value);
  return { valid, violations: valid ? [] : toViolations(validate.errors) };
}
