/** Whether a Docker engine answers here (testcontainers can start containers). */
import { existsSync } from 'node:fs';

export async function dockerAnswers(): Promise<boolean> {
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
