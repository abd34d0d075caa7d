/**
 * Where tests get Redis: CHUT_TEST_REDIS_URL if set; else a Redis container through testcontainers when a
 * Docker engine answers; else the local server on 127.0.0.1:6379 (the case on this machine and in CI).
 * Every test run uses its own key prefix and removes its keys afterwards.
 */
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { Redis } from 'ioredis';
import { deleteKeysWithPrefix } from '../../src/redis-client.js';

let urlPromise: Promise<string> | null = null;
let stopContainer: (() => Promise<void>) | null = null;

async function dockerAnswers(): Promise<boolean> {
  const socket = process.env.DOCKER_HOST ?? (existsSync('/var/run/docker.sock') ? 'unix:///var/run/docker.sock' : null);
  if (!socket) return false;
  try {
    const { getContainerRuntimeClient } = await import('testcontainers');
    await getContainerRuntimeClient();
    return true;
  } catch {
    return false;
  }
}

async function resolveUrl(): Promise<string> {
  if (process.env.CHUT_TEST_REDIS_URL) return process.env.CHUT_TEST_REDIS_URL;
  if (await dockerAnswers()) {
    const { GenericContainer } = await import('testcontainers');
    const container = await new GenericContainer('redis:7-alpine').withExposedPorts(6379).start();
    stopContainer = async () => { await container.stop(); };
    return `redis://${container.getHost()}:${container.getMappedPort(6379)}`;
  }
  return 'redis://127.0.0.1:6379';
}

export function testRedisUrl(): Promise<string> {
  urlPromise ??= resolveUrl();
  return urlPromise;
}

/** A unique key prefix for one test file/run: `chut-test:<random>:`. */
export function uniquePrefix(label = 't'): string {
  return `chuttest:${label}:${randomBytes(4).toString('hex')}:`;
}

/** Deletes every key under `prefix` (SCAN + UNLINK). */
export async function removeKeys(url: string, prefix: string): Promise<void> {
  const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1 });
  try {
    await redis.connect();
    await deleteKeysWithPrefix(redis, prefix);
  } finally {
    redis.disconnect();
  }
}

export async function stopTestRedis(): Promise<void> {
  if (stopContainer) await stopContainer();
}
