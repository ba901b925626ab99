// @paligemma-ts/siglip
