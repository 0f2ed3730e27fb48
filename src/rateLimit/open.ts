// Builds the rate limiter the configuration names: none when limits are off, the store's when
// PostgreSQL is shared by replicas, otherwise one in the process.
import type { Logger } from 'pino';
import type { Config } from '../config.js';
import { createMemoryRateLimiter } from './memory.js';
import type { RateLimiter } from './port.js';

export async function openRateLimiter(config: Config, log: Logger): Promise<RateLimiter | undefined> {
  if (!config.rateLimit) return undefined;
  if (!config.databaseUrl) return createMemoryRateLimiter(config.rateLimit);
  const { openPostgresRateLimiter } = await import('../store/postgres/rateLimiter.js');
  return openPostgresRateLimiter(config.rateLimit, { url: config.databaseUrl, applicationName: config.serviceName, log });
}
