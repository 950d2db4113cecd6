import { spawn } from 'child_process';
import { FEAST_SERVERS, onlineRead } from '../../scripts/bench-feast';
import { descendants } from '../../lib/local/load';

describe('bench-feast', () => {
  test('every client asks the online store for two learners with its bearer token', () => {
    const r = onlineRead('tok');
    expect(r.method).toBe('POST');
    expect(r.path).toBe('/get-online-features');
    expect(r.headers).toEqual({ authorization: 'Bearer tok' });
    expect(r.body).toEqual({
      features: [
        'learner_activity:minutes_active',
        'learner_activity:lessons_completed',
        'learner_activity:avg_quiz_score',
      ],
      entities: { learner_id: [1001, 1002] },
    });
  });

  test('the baseline is no auth, then the upstream default, then ours', () => {
    expect(FEAST_SERVERS).toEqual(['no auth', 'Feast defaults', 'ours']);
  });
});

describe('descendants (the workers --py-spy samples)', () => {
  test("lists a process's children and their children, not the process itself", async () => {
    // GIVEN a shell that starts a sleeping grandchild
    const child = spawn('sh', ['-c', 'sleep 30 & wait'], { stdio: 'ignore' });
    try {
      let found: number[] = [];
      for (let i = 0; i < 50 && found.length < 2; i++) {
        await new Promise((r) => setTimeout(r, 100));
        found = descendants(process.pid).filter(
          (p) => p === child.pid || descendants(child.pid!).includes(p),
        );
      }
      // THEN both the shell and its sleep are there
      expect(found).toContain(child.pid);
      expect(descendants(child.pid!)).toHaveLength(1);
      expect(descendants(process.pid)).not.toContain(process.pid);
    } finally {
      for (const p of descendants(child.pid!)) process.kill(p);
      child.kill();
    }
  });
});
