/**
 * Vitest global setup: where a Docker engine answers (and CHUT_TEST_REDIS_URL is not set), one Redis container for
 * the whole run, stopped at the end. Test files run in several workers: each resolving its own Redis would start
 * one container per file and leave them all running.
 */
import type { TestProject } from 'vitest/node';
import { dockerAnswers } from './docker.js';

declare module 'vitest' {
  export interface ProvidedContext {
    chutTestRedisUrl: string;
  }
}

export default async function setup(project: TestProject): Promise<(() => Promise<void>) | undefined> {
  if (process.env.CHUT_TEST_REDIS_URL || !(await dockerAnswers())) return undefined;
  const { GenericContainer } = await import('testcontainers');
  const container = await new GenericContainer('redis:7-alpine').withExposedPorts(6379).start();
  project.provide('chutTestRedisUrl', `redis://${container.getHost()}:${container.getMappedPort(6379)}`);
  return async () => { await container.stop(); };
}
