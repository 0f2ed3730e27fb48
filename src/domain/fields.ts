// The closed vocabularies a ticket is classified by: type, priority, customer tier.
export const TICKET_TYPES = ['support', 'bug', 'feature', 'question'] as const;
export const PRIORITIES = ['critical', 'high', 'medium', 'low'] as const;
export const CUSTOMER_TIERS = ['standard', 'premium', 'enterprise'] as const;

export type TicketType = (typeof TICKET_TYPES)[number];
export type Priority = (typeof PRIORITIES)[number];
export type CustomerTier = (typeof CUSTOMER_TIERS)[number];
