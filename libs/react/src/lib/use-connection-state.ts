import type { ConnectionState } from '@switchboard/client';
import { useCallback, useSyncExternalStore } from 'react';
import { useSwitchboardContext } from './switchboard-provider';

export interface ConnectionStatus {
  /** `connecting` until the provider's client exists. */
  state: ConnectionState;
  /**
   * The last refusal of the connection (`unauthorized`/`forbidden`, retried once with a new token;
   * with state `closed`, final) or why it failed for good; cleared when it opens.
   */
  error: Error | undefined;
}

/** The provider's connection state, re-rendering on every change. */
export function useConnectionState(): ConnectionStatus {
  const context = useSwitchboardContext();
  const client = context?.client;
  const subscribe = useCallback(
    (listener: () => void) => client?.on('state', listener) ?? (() => undefined),
    [client],
  );
  const state = useSyncExternalStore(
    subscribe,
    () => client?.connectionState ?? 'connecting',
    () => 'connecting' as const,
  );
  return { state, error: context?.connectError };
}
