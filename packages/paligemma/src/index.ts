// @paligemma-ts/paligemma
