import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../../src/config.js';
import { instanceOfTopic, InstanceSet, MAX_INSTANCES, statusSubscription, statusTopic } from '../../../src/notify/mqtt-status.js';

describe('status topics', () => {
  it('without an instance name: <prefix>/status, as before instance names', () => {
    expect([statusTopic('chut', null), statusSubscription('chut', null)]).toEqual(['chut/status', 'chut/status']);
  });

  it('with one: <prefix>/status/<instance>, and every instance\'s is listened to', () => {
    expect([statusTopic('home/chut', 'pbx1'), statusSubscription('home/chut', 'pbx1')]).toEqual(['home/chut/status/pbx1', 'home/chut/status/+']);
  });

  it('reads the instance of a status topic, and takes no name the config would refuse', () => {
    expect(instanceOfTopic('chut', 'chut/status/pbx-1_a')).toBe('pbx-1_a');
    expect(instanceOfTopic('chut', 'chut/status')).toBeNull();
    expect(instanceOfTopic('chut', 'chut/last_blocked')).toBeNull();
    expect(instanceOfTopic('chut', 'chut/status/a b')).toBeNull();
    expect(instanceOfTopic('chut', 'chut/status/' + 'x'.repeat(65))).toBeNull();
    expect(instanceOfTopic('chut', 'other/status/pbx1')).toBeNull();
  });

  it('the config takes an instance name only as one topic level', () => {
    const mqtt = (instance: unknown) => ({ notifications: { mqtt: { url: 'mqtt://broker.lan', events: ['call-rejected'], instance } } });
    expect(parseConfig(mqtt('pbx-1')).notifications.mqtt?.instance).toBe('pbx-1');
    expect(parseConfig({ notifications: { mqtt: { url: 'mqtt://broker.lan', events: ['call-rejected'] } } }).notifications.mqtt?.instance).toBeNull();
    for (const bad of ['a/b', '+', '#', '', 'x'.repeat(65), 'pbx 1']) expect(() => parseConfig(mqtt(bad))).toThrow(/notifications\.mqtt\.instance/);
  });
});

describe('InstanceSet', () => {
  it('lists this chut and every instance seen, sorted (every instance publishes the same discovery)', () => {
    const set = new InstanceSet('pbx2');
    expect(set.see('pbx1', 'online')).toBe('changed');
    expect(set.see('pbx3', 'offline')).toBe('changed');
    expect(set.see('pbx1', 'offline')).toBe('same');
    expect(set.topics('chut')).toEqual(['chut/status/pbx1', 'chut/status/pbx2', 'chut/status/pbx3']);
  });

  it('an empty retained message forgets an instance, never this one', () => {
    const set = new InstanceSet('pbx2');
    set.see('old', 'offline');
    expect(set.see('old', '')).toBe('changed');
    expect(set.see('pbx2', '')).toBe('same');
    expect(set.topics('chut')).toEqual(['chut/status/pbx2']);
  });

  it('lists at most MAX_INSTANCES', () => {
    const set = new InstanceSet('me');
    for (let i = 1; i < MAX_INSTANCES; i++) expect(set.see(`i${i}`, 'online')).toBe('changed');
    expect(set.see('one-more', 'online')).toBe('full');
    expect(set.topics('chut')).toHaveLength(MAX_INSTANCES);
  });
});
