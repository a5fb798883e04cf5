// A libp2p peer id for the dev node: the identity multihash of an Ed25519 public key in libp2p's protobuf
// envelope, base58btc-encoded (`12D3KooW…`), as Kubo prints by default (libp2p peer-ids spec, "Peer Ids").
// The node never signs anything, so any 32 random bytes serve as the key; what matters is that
// kubo-rpc-client's `peerIdFromString` can parse the id it is given.
import { base58btc } from 'multiformats/bases/base58';
import { identity } from 'multiformats/hashes/identity';

// PublicKey protobuf: field 1 (KeyType) = 1 (Ed25519), field 2 (Data) = 32 bytes.
const ED25519_KEY_PREFIX = [0x08, 0x01, 0x12, 0x20];

export function ed25519PeerId(publicKey: Uint8Array): string {
  if (publicKey.byteLength !== 32) throw new Error('an Ed25519 public key has 32 bytes');
  const envelope = new Uint8Array([...ED25519_KEY_PREFIX, ...publicKey]);
  // base58btc without the multibase prefix "z", as libp2p prints peer ids.
  return base58btc.encode(identity.digest(envelope).bytes).slice(1);
}

export function randomPeerId(): string {
  return ed25519PeerId(crypto.getRandomValues(new Uint8Array(32)));
}
