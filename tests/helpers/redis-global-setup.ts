/**
 * Vitest global setup, run once in the vitest main process before any test file:
 * - provides the run's owner (this machine and this process's pid), which uniquePrefix writes into every prefix;
 * - where a Docker engine answers (and CHUT_TEST_REDIS_URL is not set), one Redis container for the whole run,
 *   stopped at the end. Test files run in several workers: each resolving its own Redis would start one container
 *   per file and leave them all running;
 * - otherwise removes the keys of earlier runs on this machine that were killed before their afterAll
 *   (redis-leftovers.ts), from the local Redis, or from CHUT_TEST_REDIS_URL when it names this machine's loopback
 *   (127.0.0.0/8, localhost, [::1]). A Redis elsewhere is left alone: other machines share it, and the owner's
 *   three-character machine tag is there to keep runs apart, not to be trusted with deleting across a fleet. A
 *   fresh container holds nothing to remove.
 */
import type { TestProject } from 'vitest/node';
import { dockerAnswers } from './docker.js';
import { isLoopbackRedisUrl, LOCAL_TEST_REDIS_URL, runOwner, sweepBeforeTests } from './redis-leftovers.js';

declare module 'vitest' {
  export interface ProvidedContext {
    chutTestRedisUrl: string;
    /** `<machine>.<pid>` of this vitest main process (redis-leftovers.ts runOwner). */
    chutTestRunOwner: string;
  }
}

export default async function setup(project: TestProject): Promise<(() => Promise<void>) | undefined> {
  project.provide('chutTestRunOwner', runOwner());
  const chosen = process.env.CHUT_TEST_REDIS_URL;
  if (chosen) {
    if (isLoopbackRedisUrl(chosen)) await sweepBeforeTests(chosen);
    return undefined;
  }
  if (!(await dockerAnswers())) {
    await sweepBeforeTests(LOCAL_TEST_REDIS_URL);
    return undefined;
  }
  const { GenericContainer } = await import('testcontainers');
  const container = await new GenericContainer('redis:7-alpine').withExposedPorts(6379).start();
  project.provide('chutTestRedisUrl', `redis://${container.getHost()}:${container.getMappedPort(6379)}`);
  return async () => { await container.stop(); };
}
