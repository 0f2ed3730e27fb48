// The OpenAPI document is a contract others generate from: Redocly's recommended rules find no
// error in it, and a client generated from it at test time (openapi-typescript + openapi-fetch)
// type-checks and takes a ticket through its life.
import { execFile } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { createConfig, lintFromString } from '@redocly/openapi-core';
import openapiTS, { astToString } from 'openapi-typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestService, startService } from '../support/service.js';

const CLIENT_DIR = 'test/typed-client';

describe('the OpenAPI document', () => {
  let svc: TestService;
  let document: string;
  beforeAll(async () => {
    svc = await startService({ COMPONENTS: 'api', NATS_URL: 'nats://127.0.0.1:1' });
    document = await (await svc.call('/openapi.json', { tenant: null })).text();
  });
  afterAll(async () => {
    await svc?.stop();
  });

  it("passes Redocly's recommended rules with no error", async () => {
    const problems = await lintFromString({ source: document, absoluteRef: 'openapi.json', config: await createConfig({ extends: ['recommended'] }) });
    const errors = problems.filter((p) => p.severity === 'error').map((p) => `${p.ruleId}: ${p.message} at ${p.location[0]?.pointer}`);
    expect(errors).toEqual([]);
  });

  it('declares the headers clients send and read, camelCase operation ids and a summary on every operation', () => {
    const spec = JSON.parse(document) as {
      paths: Record<
        string,
        Record<
          string,
          { operationId: string; summary?: string; parameters?: Array<{ name: string }>; responses: Record<string, { headers?: Record<string, unknown> }> }
        >
      >;
      components: { securitySchemes: Record<string, unknown> };
    };
    const operations = Object.values(spec.paths).flatMap((methods) => Object.values(methods));
    for (const op of operations) {
      expect(op.operationId).toMatch(/^[a-z][A-Za-z0-9]*$/);
      expect(op.summary, op.operationId).toBeTruthy();
    }
    const byId = Object.fromEntries(operations.map((op) => [op.operationId, op]));
    const params = (id: string) => byId[id]!.parameters!.map((p) => p.name);
    expect(params('createTicket')).toEqual(expect.arrayContaining(['X-Tenant-ID', 'Idempotency-Key', 'X-User-ID', 'X-User-Roles', 'X-Correlation-ID']));
    expect(params('updateTicket')).toContain('If-Match');
    expect(params('fireTransition')).toContain('If-Match');
    expect(Object.keys(byId.createTicket!.responses['201']!.headers!)).toEqual(
      expect.arrayContaining(['ETag', 'Location', 'Idempotent-Replayed', 'X-Correlation-ID']),
    );
    expect(Object.keys(byId.createTicket!.responses['429']!.headers!)).toContain('Retry-After');
    expect(Object.keys(spec.components.securitySchemes).sort()).toEqual(['bearer', 'tenant', 'userId', 'userRoles']);
  });

  it('generates a typed client that type-checks and drives a ticket through its life', async () => {
    mkdirSync(`${CLIENT_DIR}/.generated`, { recursive: true });
    writeFileSync(`${CLIENT_DIR}/.generated/api.d.ts`, astToString(await openapiTS(document)));
    // tsc fails (and so does this test) when the client does not fit the document's types.
    await promisify(execFile)(process.execPath, ['node_modules/typescript/bin/tsc', '-p', `${CLIENT_DIR}/tsconfig.json`]);

    const { driveTicketLife } = await import('../typed-client/drive.js');
    const life = await driveTicketLife(svc.url);
    expect(life.versions).toEqual([1, 2, 3, 4, 5, 6]);
    expect(life.statuses).toEqual(['new', 'assigned', 'in_progress', 'resolved', 'closed']);
    expect(life.staleStatus).toBe(412);
    expect(life.historyActions.filter((a: string) => a !== 'sla_changed')).toEqual([
      'created',
      'updated',
      'transitioned',
      'transitioned',
      'transitioned',
      'transitioned',
    ]);
  }, 120_000);
});
