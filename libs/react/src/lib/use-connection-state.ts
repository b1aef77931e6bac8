import type { ConnectionState, Transport } from '@switchboard/client';
import { useCallback, useSyncExternalStore } from 'react';
import { useSwitchboardContext } from './switchboard-provider';

export interface ConnectionStatus {
  /** `connecting` until the provider's client exists. */
  state: ConnectionState;
  /**
   * `polling` while the WebSocket cannot connect and the client follows its rooms over HTTP long
   * polling (with the provider's `historyUrl`), `websocket` otherwise.
   */
  transport: Transport;
  /**
   * The last refusal of the connection (`unauthorized`/`forbidden`, retried once with a new token;
   * with state `closed`, final) or why it failed for good; cleared when it opens.
   */
  error: Error | undefined;
}

/** The provider's connection state and transport, re-rendering on every change. */
export function useConnectionState(): ConnectionStatus {
  const context = useSwitchboardContext();
  const client = context?.client;
  const subscribe = useCallback(
    (listener: () => void) => {
      if (!client) return () => undefined;
      const stops = [client.on('state', listener), client.on('transport', listener)];
      return () => stops.forEach((stop) => stop());
    },
    [client],
  );
  const state = useSyncExternalStore(
    subscribe,
    () => client?.connectionState ?? 'connecting',
    () => 'connecting' as const,
  );
  const transport = useSyncExternalStore(
    subscribe,
    () => client?.transport ?? 'websocket',
    () => 'websocket' as const,
  );
  return { state, transport, error: context?.connectError };
}
