// @paligemma-ts/processor
