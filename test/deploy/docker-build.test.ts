/**
 * The Docker image's build, reproduced without a Docker engine (none runs on the test machines):
 * the Dockerfile is read (test/deploy/dockerfile.ts), the files its build stage's COPY lines name are
 * taken from `git ls-files` minus .dockerignore into an empty folder, its RUN lines run there in
 * order (`npm ci` from the warm npm cache: --prefer-offline), then the runtime stage's
 * `COPY --from=build` lines assemble a second folder, from which the image's CMD (the gateway) and
 * the compose file's RPC command must start and answer /health. A COPY line naming a missing or
 * untracked file, a build config reaching outside what is copied, or a runtime missing a file fails here.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, relative } from 'node:path';
import { freePort, REPO_ROOT, waitFor } from '../support/index.js';
import { readCompose } from './compose-file.js';
import { readDockerfile, readDockerignore, type Instruction, type Stage } from './dockerfile.js';

function run(command: string, cwd: string, timeoutMs: number): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    execFile('sh', ['-c', command], { cwd, timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) =>
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, output: `${stdout}${stderr}` }),
    );
  });
}

/** The build context: tracked files (as they are in the work tree) that .dockerignore lets through. */
async function buildContext(): Promise<string[]> {
  const listed = await run('git ls-files -z', REPO_ROOT, 30_000);
  assert.equal(listed.code, 0, listed.output);
  const ignored = readDockerignore(REPO_ROOT);
  return listed.output
    .split('\0')
    .filter((path) => path !== '' && existsSync(join(REPO_ROOT, path)) && !ignored(path));
}

/** `COPY <sources> <destination>` from the context into `root` (the stage's WORKDIR). */
function copyFromContext(copy: Extract<Instruction, { kind: 'COPY' }>, context: string[], root: string): void {
  for (const source of copy.sources) {
    const prefix = source.replace(/^\.\//, '').replace(/\/$/, '');
    const files = context.filter((path) => path === prefix || path.startsWith(`${prefix}/`));
    assert.ok(files.length > 0, `COPY ${source}: no tracked file of the build context (git ls-files minus .dockerignore) matches it`);
    for (const file of files) {
      const target =
        file === prefix
          ? copy.destination.endsWith('/') || copy.sources.length > 1
            ? join(root, copy.destination, basename(file))
            : join(root, copy.destination)
          : join(root, copy.destination, relative(prefix, file));
      mkdirSync(dirname(target), { recursive: true });
      cpSync(join(REPO_ROOT, file), target);
    }
  }
}

function stage(stages: Stage[], name: string): Stage {
  const found = stages.find((candidate) => candidate.name === name);
  assert.ok(found, `the Dockerfile has a stage named ${name}`);
  return found;
}

/** Starts `argv` (its `node` being this Node) in `cwd` and waits for `url` to answer 200. */
async function startAndCheckHealth(argv: string[], cwd: string, env: Record<string, string>, url: string, children: ChildProcess[]): Promise<void> {
  const [program, ...args] = argv;
  const child = spawn(program === 'node' ? process.execPath : program, args, { cwd, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  await waitFor(
    async () => {
      if (child.exitCode !== null) throw new Error(`${argv.join(' ')} exited with ${child.exitCode}:\n${output}`);
      return fetch(url).then((response) => response.status === 200 || null, () => null);
    },
    `${argv.join(' ')} answers 200 on ${url}`,
    30_000,
  ).catch((error: Error) => {
    throw new Error(`${error.message}; output:\n${output.slice(-4000)}`);
  });
}

describe('Dockerfile (the image build reproduced without a Docker engine)', () => {
  let work: string;
  const children: ChildProcess[] = [];

  before(() => {
    work = mkdtempSync(join(tmpdir(), 'docker-build-'));
  });
  after(() => {
    for (const child of children) child.kill('SIGKILL');
    rmSync(work, { recursive: true, force: true });
  });

  test('the build stage builds from what its COPY lines name; the runtime stage starts both apps', { timeout: 600_000 }, async () => {
    const stages = readDockerfile(REPO_ROOT);
    const context = await buildContext();

    const buildRoot = join(work, 'build');
    mkdirSync(buildRoot);
    let ran = 0;
    let buildWorkdir = '/';
    for (const instruction of stage(stages, 'build').instructions) {
      if (instruction.kind === 'WORKDIR') buildWorkdir = instruction.path;
      else if (instruction.kind === 'COPY') {
        assert.equal(instruction.from, null, 'the build stage copies from the context only');
        copyFromContext(instruction, context, buildRoot);
      } else if (instruction.kind === 'RUN') {
        // The npm cache of this machine is warm; the registry is asked only for what it lacks.
        const command = instruction.command.replace(/\bnpm ci\b/g, 'npm ci --prefer-offline');
        const result = await run(command, buildRoot, 540_000);
        assert.equal(result.code, 0, `RUN ${command} failed in the copied context:\n${result.output.slice(-6000)}`);
        ran++;
      }
    }
    assert.ok(ran >= 2, 'the build stage installs and builds');

    const runtime = stages.at(-1) as Stage;
    const runtimeRoot = join(work, 'runtime');
    mkdirSync(runtimeRoot);
    const env: Record<string, string> = {};
    let cmd: string[] | null = null;
    for (const instruction of runtime.instructions) {
      if (instruction.kind === 'COPY') {
        assert.equal(instruction.from, 'build', `the runtime stage copies from the build stage: COPY ${instruction.sources.join(' ')}`);
        for (const source of instruction.sources) {
          // An absolute source is a path in the build stage's file system, whose WORKDIR is buildRoot here.
          const inStage = source.startsWith('/') ? relative(buildWorkdir, source) : source;
          assert.ok(!inStage.startsWith('..'), `COPY --from=build ${source}: outside the build stage's WORKDIR ${buildWorkdir}`);
          const from = join(buildRoot, inStage);
          assert.ok(existsSync(from), `COPY --from=build ${source}: the build stage produced no such file`);
          cpSync(from, join(runtimeRoot, instruction.destination), { recursive: true });
        }
      } else if (instruction.kind === 'ENV') env[instruction.name] = instruction.value;
      else if (instruction.kind === 'CMD') cmd = instruction.argv;
      else assert.ok(instruction.kind !== 'RUN', 'the runtime stage runs nothing at build time');
    }
    assert.ok(cmd, 'the image has a CMD');

    // The image's CMD is the gateway; the compose file runs the RPC app from the same image.
    const gatewayPort = await freePort();
    await startAndCheckHealth(
      cmd,
      runtimeRoot,
      { ...env, ANYCABLE_HOST: '127.0.0.1', ANYCABLE_PORT: String(gatewayPort), ANYCABLE_BROADCAST_ADAPTER: 'http' },
      `http://127.0.0.1:${gatewayPort}/health`,
      children,
    );
    const rpcService = readCompose(REPO_ROOT).get('anycable-rpc');
    assert.ok(rpcService, 'docker-compose.yaml has the anycable-rpc service');
    const [grpcPort, httpPort] = [await freePort(), await freePort()];
    await startAndCheckHealth(
      rpcService.command,
      runtimeRoot,
      {
        ...env,
        ANYCABLE_RPC_HOST: `127.0.0.1:${grpcPort}`,
        RPC_HTTP_HOST: '127.0.0.1',
        RPC_HTTP_PORT: String(httpPort),
        ANYCABLE_BROADCAST_ADAPTER: 'http',
      },
      `http://127.0.0.1:${httpPort}/health`,
      children,
    );
    // The demo page is read from files the runtime stage copies beside dist/.
    const page = await fetch(`http://127.0.0.1:${httpPort}/`);
    assert.equal(page.status, 200);
  });
});
