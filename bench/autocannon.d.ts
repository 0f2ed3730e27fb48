// Types for the part of autocannon's programmatic API the benchmark uses; the package ships none.
declare module 'autocannon' {
  import type { EventEmitter } from 'node:events';

  export type SetupRequest = (request: Request, context: Record<string, unknown>) => Request;
  export type OnResponse = (status: number, body: string, context: Record<string, unknown>, headers: Record<string, string>) => void;

  export type Request = {
    method?: string;
    path?: string;
    headers?: Record<string, string>;
    body?: string;
    /** A function, or with `workers` the absolute path of a CommonJS file that exports one (a function cannot be copied to a thread). */
    setupRequest?: SetupRequest | string;
    /** As setupRequest: a function, or with `workers` a file. */
    onResponse?: OnResponse | string;
  };

  export type Options = {
    url: string;
    connections?: number;
    duration?: number;
    amount?: number;
    overallRate?: number;
    timeout?: number;
    method?: string;
    headers?: Record<string, string>;
    body?: string;
    requests?: Request[];
    /**
     * Worker threads that send the requests; `connections` and `amount` are divided among them.
     * The instance then emits no 'response' events: latencies come only as the result's histogram.
     */
    workers?: number;
  };

  /** Latencies are recorded in whole milliseconds. */
  export type Histogram = { average: number; mean: number; stddev: number; min: number; max: number; p50: number; p99: number };

  export type Result = {
    requests: Histogram;
    latency: Histogram;
    duration: number;
    errors: number;
    timeouts: number;
    non2xx: number;
    '2xx': number;
    statusCodeStats: Record<string, { count: number }>;
  };

  /** Also emits 'response' (client, statusCode, resBytes, responseTimeMs) per completed response, without `workers`. */
  export type Instance = EventEmitter & PromiseLike<Result> & { stop(): void };

  function autocannon(opts: Options): Instance;
  export default autocannon;
}
