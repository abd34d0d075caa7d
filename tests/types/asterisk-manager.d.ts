/**
 * Types for asterisk-manager 0.2.0 (the package ships none). chut no longer uses it (src/ami/packet-reader.ts
 * replaced it); tests/unit/ami/parser.test.ts checks chut's reader against it on the recorded streams.
 * Its parsed packets: keys lower-cased, a repeated key becomes an array, `variable`/`chanvariable` become
 * objects (`{ NAME: value }`).
 */
declare module 'asterisk-manager' {
  import type { EventEmitter } from 'node:events';

  export type LibValue = string | string[] | Record<string, string>;
  export type LibPacket = Record<string, LibValue | undefined>;
  export type LibCallback = (err: LibPacket | Error | undefined | null, res?: LibPacket) => void;

  export interface LibManager extends Pick<EventEmitter, 'on' | 'once' | 'removeListener' | 'removeAllListeners' | 'listeners' | 'emit'> {
    options: { port: number; host: string; username: string; password: string; events: boolean };
    connect(port: number, host: string, callback?: () => void): void;
    login(callback?: (err?: LibPacket | Error) => void): void;
    action(action: Record<string, string>, callback?: LibCallback): string;
    disconnect(callback?: () => void): void;
    isConnected(): boolean;
  }

  const Manager: (port?: number, host?: string, username?: string, password?: string, events?: boolean) => LibManager;
  export default Manager;
}
