/**
 * The native kernel from VS Code: the "Build Native Kernel" command (compileNativeKernel.ts, into the
 * global storage), the path of a built addon handed to trainers and terminals (HRNN_NATIVE_ADDON,
 * which the engine's kernel loader tries first), and the notice, once per session, when a run uses
 * the slower WebAssembly kernel: why (no prebuilt addon for this platform, or a load error) and the
 * fix (the command, or a C compiler first).
 */
import fs from 'node:fs';
import * as vscode from 'vscode';
import { NATIVE_ADDON_ENV } from '../../engine/kernels/artifacts';
import type { Notifier } from '../notifier';
import type { TrainingSupervisor } from '../training/supervisor';
import { builtAddonPath, compileNativeKernel, findCompiler, NativeBuildError, type NativeBuildTarget } from './compileNativeKernel';

export const BUILD_NATIVE_KERNEL_COMMAND = 'hamiltonianRnn.buildNativeKernel';
const BUILD_ACTION = 'Build Native Kernel';

export class NativeKernelSupport implements vscode.Disposable {
  private readonly disposables: vscode.Disposable[] = [];
  private readonly target: NativeBuildTarget;
  private noticeShown = false;
  private building: Promise<void> | undefined;

  constructor(
    private readonly context: vscode.ExtensionContext,
    private readonly notifier: Notifier,
    private readonly log: vscode.LogOutputChannel,
    supervisor: TrainingSupervisor,
  ) {
    this.target = {
      extensionPath: context.extensionPath,
      version: String((context.extension.packageJSON as { version?: string }).version ?? '0'),
      storageDir: context.globalStorageUri.fsPath,
    };
    this.useBuiltAddon();
    this.disposables.push(
      vscode.commands.registerCommand(BUILD_NATIVE_KERNEL_COMMAND, () => this.build()),
      supervisor.onDidReceiveEvent(({ event }) => {
        if (event.type === 'runStarted' && event.implementation === 'fused-wasm') void this.noticeWasm(event.nativeKernelUnavailable);
      }),
    );
  }

  /** Where a built addon for this version and platform is. */
  get addonPath(): string {
    return builtAddonPath(this.target);
  }

  /** Hands a built addon to every trainer (forks inherit the environment) and to new terminals. */
  private useBuiltAddon(): void {
    const file = this.addonPath;
    if (!fs.existsSync(file)) return;
    process.env[NATIVE_ADDON_ENV] = file;
    this.context.environmentVariableCollection.replace(NATIVE_ADDON_ENV, file);
  }

  private async noticeWasm(reason: string | undefined): Promise<void> {
    if (this.noticeShown) return;
    this.noticeShown = true;
    const compiler = await findCompiler();
    const why = reason ? ` (${reason})` : '';
    const fix = compiler
      ? `Run "Hamiltonian RNN: ${BUILD_ACTION}" to compile it for this machine with ${compiler}.`
      : `Install a C compiler (e.g. sudo apt-get install build-essential), then run "Hamiltonian RNN: ${BUILD_ACTION}".`;
    const message = `Hamiltonian RNN: training uses the WebAssembly kernel, which is several times slower than the native one${why}. ${fix}`;
    const pick = await this.notifier.show('warning', message, ...(compiler ? [BUILD_ACTION] : []));
    if (pick === BUILD_ACTION) await this.build();
  }

  /** "Build Native Kernel": compiles into the global storage and uses it for the next runs. */
  build(): Promise<void> {
    this.building ??= this.compile().finally(() => (this.building = undefined));
    return this.building;
  }

  private async compile(): Promise<void> {
    try {
      const result = await vscode.window.withProgress(
        { location: vscode.ProgressLocation.Notification, title: 'Hamiltonian RNN: building the native kernel' },
        () => compileNativeKernel(this.target),
      );
      this.useBuiltAddon();
      this.log.info(
        `native kernel built with ${result.compiler}: ${result.file} (${result.info.isa}, ${result.info.vectorBits}-bit vectors, ${result.info.threads} threads)`,
      );
      void this.notifier.show(
        'info',
        `Hamiltonian RNN: native kernel built (${result.info.isa}, ${result.info.threads} threads); the next training runs use it.`,
      );
    } catch (err) {
      const reason = err instanceof NativeBuildError ? err.message : String((err as Error).message ?? err);
      void this.notifier.show('error', `Hamiltonian RNN: the native kernel could not be built: ${reason}`);
    }
  }

  dispose(): void {
    for (const d of this.disposables) d.dispose();
  }
}
