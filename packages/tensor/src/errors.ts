/**
 * errors.ts — typed errors shared by every package.
 *
 * Every failure names what it is about (a file, a tensor, an argument) and what was expected,
 * so a user never has to read a stack trace to find out what went wrong.
 */

/** Base class: `code` is stable for programs, `message` is for people. */
export class PaliGemmaError extends Error {
  readonly code: string;
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/** Shapes or axes that do not fit an operation. */
export class ShapeError extends PaliGemmaError {
  constructor(message: string) {
    super("E_SHAPE", message);
  }
}

/** A dtype an operation does not support. */
export class DTypeError extends PaliGemmaError {
  constructor(message: string) {
    super("E_DTYPE", message);
  }
}

/** A bad argument value (name it in the message). */
export class ArgumentError extends PaliGemmaError {
  constructor(message: string) {
    super("E_ARGUMENT", message);
  }
}

/** Static shape inference (autodiff/shape_inference.ts) failed at a node: `node` and `opType` say which. */
export class ShapeInferenceError extends PaliGemmaError {
  constructor(
    readonly node: string,
    readonly opType: string,
    message: string,
  ) {
    super("E_SHAPE_INFERENCE", `shape inference at node ${node} (${opType}): ${message}`);
  }
}

/** Reverse-mode autodiff (autodiff/grad.ts) cannot differentiate a node (no rule, unsupported attribute...) or a request. */
export class GradientError extends PaliGemmaError {
  constructor(
    message: string,
    readonly node?: string,
    readonly opType?: string,
  ) {
    super("E_GRADIENT", node ? `gradient of node ${node} (${opType}): ${message}` : `grad: ${message}`);
  }
}

/** A NaN or +-Infinity where a model's numbers must be finite (logits, a score, a loss): `where` says at which. */
export class NonFiniteError extends PaliGemmaError {
  constructor(
    readonly where: string,
    message: string,
  ) {
    super("E_NON_FINITE", message);
  }
}
