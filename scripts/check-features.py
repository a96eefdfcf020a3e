#!/usr/bin/env python3
"""Fails if two builds of the test command that share crates would compile one of them twice.

Cargo resolves features per build, and a crate asked for with other features is compiled again,
with everything above it. Two pairs of builds share most of their crates:
- the wasm builds of the page (src/ui, built by Trunk on its own) and of the worker with its
  browser tests: src/workspace-hack asks both for the union of their features;
- the native `cargo build` of the CLI and the native `cargo test` (dev-dependencies add features):
  see src/nn/Cargo.toml.
Crates built for the compiler's side (proc-macros, build scripts and what they use) are compared
apart from those built for the target, as Cargo resolves them apart.

It also checks that every workspace member has its own dev profile (opt-level 1 with assertions,
Cargo.toml): dependencies take opt-level 2 without them from [profile.dev], and a member left out
would silently be built like a dependency."""
import subprocess
import sys
import tomllib

WASM = 'wasm32-unknown-unknown'


def host_triple():
    out = subprocess.run(['rustc', '-vV'], capture_output=True, text=True, check=True).stdout
    return next(line.split(': ', 1)[1] for line in out.splitlines() if line.startswith('host: '))


def features(target, *args):
    """{(side, name, version): features} for every package of one build; side is host or target."""
    run = subprocess.run(
        ['cargo', 'tree', '--locked', '--offline', '--target', target, '--charset', 'ascii',
         '--format', '{p} [{f}]', *args], capture_output=True, text=True)
    if run.returncode != 0:
        sys.exit(f'[features] cargo tree {" ".join(args)} failed:\n{run.stderr}')
    tree = run.stdout
    found, host_at, build_section = {}, [], set()
    for line in filter(str.strip, tree.splitlines()):
        indent = next((i for i, c in enumerate(line) if c.isalnum() or c == '['), len(line))
        depth, text = indent // 4, line[indent:]
        # A section's heading stands one level above the dependencies it heads.
        if text.startswith('[build-dependencies]'):
            build_section.add(depth + 1)
            continue
        if text.startswith('[dev-dependencies]'):
            build_section.discard(depth + 1)
            continue
        build_section = {d for d in build_section if d <= depth}
        del host_at[depth:]
        parent_host = host_at[-1] if host_at else False
        host = parent_host or depth in build_section or '(proc-macro)' in text
        host_at.append(host)
        name, version = text.split()[:2]
        feature_list = text[text.rindex('[') + 1:text.rindex(']')]
        found[('host' if host else 'target', name, version)] = feature_list
    return found


def compare(what, first, second, remedy):
    differ = sorted(key for key in first.keys() & second.keys() if first[key] != second[key])
    for key in differ:
        side, name, version = key
        print(f'[features] {what}: {name} {version} ({side}) has features [{first[key]}] in one '
              f'and [{second[key]}] in the other, so it is compiled twice; {remedy}', file=sys.stderr)
    return not differ


def members_profiled():
    with open('Cargo.toml', 'rb') as file:
        root = tomllib.load(file)
    profiled = root['profile']['dev'].get('package', {})
    ok = True
    for member in root['workspace']['members']:
        with open(f'{member}/Cargo.toml', 'rb') as file:
            name = tomllib.load(file)['package']['name']
        profile = profiled.get(name, {})
        if (profile.get('opt-level'), profile.get('debug-assertions')) != (1, True):
            print(f'[features] {member} ({name}) needs [profile.dev.package.{name}] with opt-level = 1 and '
                  'debug-assertions = true in Cargo.toml, as every member has', file=sys.stderr)
            ok = False
    return ok


def main():
    host = host_triple()
    ok = members_profiled()
    ok &= compare("the page's and the worker's wasm builds",
                 features(WASM, '-p', 'efficientnas-ui', '-e', 'normal,build'),
                 features(WASM, '-p', 'efficientnas-worker', '--features', 'browser-tests'),
                 'ask for the union in src/workspace-hack/Cargo.toml')
    ok &= compare("the native build of the CLI and the native tests",
                  features(host, '--workspace', '-e', 'normal,build'),
                  features(host, '--workspace'),
                  'ask for the tests\' features in a normal dependency (src/nn/Cargo.toml has one)')
    if ok:
        print('[features] the builds that share crates compile each of them once')
    return 0 if ok else 1


if __name__ == '__main__':
    sys.exit(main())
