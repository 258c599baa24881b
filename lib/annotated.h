/* SPDX-License-Identifier: MIT */
/* annotated: the Annotated Transformer's checkpoints (harvardnlp's modules, saved by state_dict()) as our whole model. */
#ifndef PF_ANNOTATED_H
#define PF_ANNOTATED_H

/*
 * Read the .npz at in_path, holding the state_dict() of the Annotated Transformer's make_model
 * (EncoderDecoder: encoder.layers.{i}.self_attn.linears.{0..3}, feed_forward.w_1 / w_2,
 * sublayer.{k}.norm.a_2 / b_2, encoder.norm, decoder.layers.{i}.src_attn, src_embed.0.lut,
 * src_embed.1.pe, generator.proj, ...), and write at out_path the same model by PyTorch's
 * nn.Transformer names, as decode --generate reads it:
 *   linears.0..2 (q, k, v)  -> in_proj_weight / in_proj_bias, one [3E, E] / [3E] (rows q, then k, then v)
 *   linears.3               -> out_proj.weight / out_proj.bias
 *   feed_forward.w_1, w_2   -> linear1, linear2
 *   sublayer.{k}.norm.a_2, b_2 -> norm{k+1}.weight, .bias;  encoder.norm.a_2 -> encoder.norm.weight
 *   src_attn                -> multihead_attn
 *   src_embed.0.lut.weight  -> src_embed.weight (likewise tgt_embed); generator.proj -> generator
 * plus a config entry saying what the weights cannot: its LayerNorm (norm annotated, eps 1e-6), pre-norm
 * sublayers with final norms, embeddings times sqrt(d_model), the sinusoidal encoding. The pe buffers are
 * checked against that encoding and dropped. Any other entry, or a missing one, dies naming it.
 */
void annotated_convert(const char *in_path, const char *out_path);

#endif
