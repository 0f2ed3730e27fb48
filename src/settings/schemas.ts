// The shapes of tenant settings and of the SLA policy file: one zod schema each validates a PUT,
// a YAML file, and what the store hands back.
import { z } from '@hono/zod-openapi';
import { CUSTOMER_TIERS, PRIORITIES } from '../domain/fields.js';
import { identifier } from '../http/text.js';
import { CalendarsSchema, calendarName } from './calendarSchema.js';

const minutes = z.number().positive('minutes, more than 0').max(525_600, 'at most a year of minutes');
export const SlaTargetsSchema = z.strictObject({ response: minutes, next_reply: minutes.optional(), resolution: minutes });

const tierTable = z.strictObject({
  ...(Object.fromEntries(PRIORITIES.map((p) => [p, SlaTargetsSchema.optional()])) as Record<
    (typeof PRIORITIES)[number],
    z.ZodOptional<typeof SlaTargetsSchema>
  >),
  calendar: calendarName.optional().openapi({ description: 'the calendar whose business minutes the targets count (default 24x7)' }),
});

/**
 * `tiers.<tier>.<priority>.{response,next_reply,resolution}` in business minutes of
 * `tiers.<tier>.calendar`; a tier set to null has no SLA.
 */
export const SlaOverrideSchema = z
  .strictObject({
    tiers: z.strictObject(
      Object.fromEntries(CUSTOMER_TIERS.map((t) => [t, tierTable.nullable().optional()])) as Record<
        (typeof CUSTOMER_TIERS)[number],
        z.ZodOptional<z.ZodNullable<typeof tierTable>>
      >,
    ),
  })
  .openapi('SlaPolicyOverride');
export type SlaOverride = z.infer<typeof SlaOverrideSchema>;

/** The SLA_CONFIG_PATH file: the service-wide tiers and the calendars they (and every tenant) may name. */
export const SlaPolicyFileSchema = SlaOverrideSchema.extend({ calendars: CalendarsSchema.shape.calendars.optional() });

const assignee = identifier(128);
export const RoutingSchema = z
  .strictObject({
    rules: z
      .array(z.strictObject({ priority: z.enum(PRIORITIES), assignee }))
      .max(PRIORITIES.length)
      .refine((rules) => new Set(rules.map((r) => r.priority)).size === rules.length, 'one rule per priority'),
    fallback: assignee.nullable().default(null),
  })
  .openapi('RoutingRules');
export type Routing = z.infer<typeof RoutingSchema>;

export const SeveritySchema = z
  .strictObject({
    keywords: z
      .array(identifier(64).regex(/^[^,\s]+$/, 'one word, no spaces or commas'))
      .min(1)
      .max(100),
  })
  .openapi('SeverityKeywords');
export type Severity = z.infer<typeof SeveritySchema>;
