// @paligemma-ts/gemma
