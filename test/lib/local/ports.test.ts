import {
  isLoopback,
  labPorts,
  parseProcNetTcp,
  portTakenMessage,
  SERVICE_TITLES,
} from '../../../lib/local/ports';

describe('the lab ports', () => {
  test('seven consecutive ports from the base: MLflow, Feast, OpenID, moto, PostgreSQL, Redis, the MLflow pod', () => {
    expect(labPorts(7100)).toEqual({
      mlflow: 7100,
      feast: 7101,
      oidc: 7102,
      moto: 7103,
      postgres: 7104,
      redis: 7105,
      'mlflow-pod': 7106,
    });
  });

  test.each([[80], [65530], [7100.5]])('fails when the base port is %s', (base) => {
    expect(() => labPorts(base)).toThrow(`base port ${base} must be a whole number from 1024 to 65529`);
  });
});

describe('/proc/net/tcp', () => {
  test('parses IPv4 and IPv6 sockets: address, port, listening, inode', () => {
    // GIVEN lines as the kernel writes them (IPv4: one little-endian word; IPv6: four)
    const v4 = [
      '  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode',
      '   0: 00000000:07E8 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1148 1 00000000a7117f96 100 0 0 10 0',
      '   1: 0100007F:1539 00000000:0000 0A 00000000:00000000 00:00000000 00000000   101        0 588024 1 000000009a6de0a2 100 0 0 10 0',
      '   2: 0100007F:1BBC 0100007F:A2F0 01 00000000:00000000 00:00000000 00000000     0        0 9911 1 000000009a6de0a2 20 4 30 10 -1',
    ].join('\n');
    const v6 = [
      '  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode',
      '   0: 00000000000000000000000001000000:1F90 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 777 1 0000000000000000 100 0 0 10 0',
      '   1: 0000000000000000FFFF00000100007F:1F91 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 778 1 0000000000000000 100 0 0 10 0',
      '   2: 00000000000000000000000000000000:1F92 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 779 1 0000000000000000 100 0 0 10 0',
    ].join('\n');
    // THEN
    expect(parseProcNetTcp(v4)).toEqual([
      { address: '0.0.0.0', port: 2024, listening: true, inode: 1148 },
      { address: '127.0.0.1', port: 5433, listening: true, inode: 588024 },
      { address: '127.0.0.1', port: 7100, listening: false, inode: 9911 },
    ]);
    expect(parseProcNetTcp(v6)).toEqual([
      { address: '::1', port: 8080, listening: true, inode: 777 },
      { address: '::ffff:127.0.0.1', port: 8081, listening: true, inode: 778 },
      { address: '::', port: 8082, listening: true, inode: 779 },
    ]);
  });

  test('loopback is 127.0.0.0/8, ::1 and IPv4-mapped 127.x; nothing else', () => {
    expect(['127.0.0.1', '127.1.2.3', '::1', '::ffff:127.0.0.1'].map(isLoopback)).toEqual([
      true,
      true,
      true,
      true,
    ]);
    expect(['0.0.0.0', '10.0.0.5', '::', '::ffff:10.0.0.5', '128.0.0.1'].map(isLoopback)).toEqual([
      false,
      false,
      false,
      false,
      false,
    ]);
  });
});

describe('a taken port', () => {
  test('fails when a port is taken by a process that can be seen: names the port, the service and the process', () => {
    expect(portTakenMessage(7104, 'postgres', { pid: 4242, command: 'postgres -D /var/lib/pg' }, 7100)).toBe(
      `Port 7104 (for ${SERVICE_TITLES.postgres}) on 127.0.0.1 is taken: process 4242 (postgres -D /var/lib/pg) ` +
        'listens on it. Stop that process, or start the lab on other ports: cohort-lab local up --base-port 7200 ' +
        '(uses 7200-7206).',
    );
  });

  test('fails when a port is taken by a process that cannot be seen: says so', () => {
    expect(portTakenMessage(7101, 'feast', undefined, 7100)).toBe(
      'Port 7101 (for Feast feature server) on 127.0.0.1 is taken: another process listens on it (its owner ' +
        'cannot be seen: another user, or a container). Stop that process, or start the lab on other ports: ' +
        'cohort-lab local up --base-port 7200 (uses 7200-7206).',
    );
  });

  test('a long command line is shortened', () => {
    const message = portTakenMessage(7100, 'mlflow', { pid: 1, command: `python ${'x'.repeat(200)}` }, 7100);
    expect(message).toContain(`(python ${'x'.repeat(110)}...) listens on it`);
  });
});
