// @paligemma-ts/core
