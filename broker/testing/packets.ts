import type { IConnectPacket } from 'mqtt-packet'

/** An MQTT 3.1.1 CONNECT: clean session, keepalive 60 s (the broker refuses 0), empty client id, unless told. */
export function connectPacket(fields: Partial<IConnectPacket> = {}): IConnectPacket {
  return {
    cmd: 'connect',
    protocolId: 'MQTT',
    protocolVersion: 4,
    clean: true,
    keepalive: 60,
    clientId: '',
    ...fields,
  }
}
