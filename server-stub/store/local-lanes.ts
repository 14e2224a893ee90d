// The webhook lanes of a store that one process owns (memory, SQLite), as ChatStore methods: the
// deliveries live in a LocalDeliveries, and a claim never lapses (no other process could take it).
import type { LocalDeliveries } from './local-deliveries.js';
import { NO_LISTENER, type DeliveryFilter, type LaneClaim, type StoreListener, type StoredDelivery } from './types.js';

export abstract class LocalLanes {
  protected abstract readonly deliveries: LocalDeliveries;
  protected listener: StoreListener = NO_LISTENER;

  listen(listener: StoreListener): void {
    this.listener = listener;
  }

  listDeliveries(filter?: DeliveryFilter): Promise<StoredDelivery[]> {
    return Promise.resolve(this.deliveries.list(filter));
  }

  claimLane(claim: LaneClaim): Promise<boolean> {
    return Promise.resolve(this.deliveries.claim(claim));
  }

  renewLane(): Promise<boolean> {
    return Promise.resolve(true);
  }

  laneHead(claim: LaneClaim): Promise<StoredDelivery | undefined> {
    return Promise.resolve(this.deliveries.head(claim));
  }

  releaseLane(claim: LaneClaim): Promise<boolean> {
    return Promise.resolve(this.deliveries.release(claim));
  }

  orphanedLanes(): Promise<LaneClaim[]> {
    return Promise.resolve(this.deliveries.orphaned());
  }

  /** Tells the listener that the replayed deliveries' lanes have work. */
  protected announce(replayed: readonly StoredDelivery[]): StoredDelivery[] {
    for (const delivery of replayed) this.listener.deliveries({ token: delivery.token, clientId: delivery.clientId });
    return [...replayed];
  }
}
