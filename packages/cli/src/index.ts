// @paligemma-ts/cli
