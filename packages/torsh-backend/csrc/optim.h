/* Fused optimizer updates: one call per parameter group, every tensor of the group updated in one pass over its
   memory. Each tensor is given by a pointer per array and its length; torsh_backend.optim checks every array
   (dtype, contiguity, length, no aliasing) before calling. Scalars arrive as doubles and are rounded to the
   tensors' dtype where the Python reference path rounds them, so results match it bitwise. */
#ifndef TORSH_OPTIM_H
#define TORSH_OPTIM_H

#include <stdint.h>

/* SGD: g = (maximize ? -grad : grad) + weight_decay * p; with momentum, buf = g where fresh[i] else
   buf = momentum * buf + (1 - dampening) * g, and g = nesterov ? g + momentum * buf : buf; p += -lr * g.
   bufs (and fresh) may be NULL when momentum is 0. */
void tb_sgd_f32(float **params, float **grads, float **bufs, const int64_t *sizes, const uint8_t *fresh,
                int64_t count, double lr, double momentum, double dampening, double weight_decay, int nesterov,
                int maximize);
void tb_sgd_f64(double **params, double **grads, double **bufs, const int64_t *sizes, const uint8_t *fresh,
                int64_t count, double lr, double momentum, double dampening, double weight_decay, int nesterov,
                int maximize);

/* Adam / AdamW: p *= 1 - lr * weight_decay (decoupled) or g += weight_decay * p; m += (1 - beta1) * (g - m);
   v = beta2 * v + (1 - beta2) * g * g; vmax = max(vmax, v) (amsgrad; max_sqs may be NULL otherwise);
   p += -step_sizes[i] * m / (sqrt(vmax or v) / bc2_sqrts[i] + eps), the bias corrections per tensor. */
void tb_adam_f32(float **params, float **grads, float **exp_avgs, float **exp_avg_sqs, float **max_sqs,
                 const int64_t *sizes, const double *step_sizes, const double *bc2_sqrts, int64_t count, double lr,
                 double beta1, double beta2, double eps, double weight_decay, int decoupled, int amsgrad,
                 int maximize);
void tb_adam_f64(double **params, double **grads, double **exp_avgs, double **exp_avg_sqs, double **max_sqs,
                 const int64_t *sizes, const double *step_sizes, const double *bc2_sqrts, int64_t count, double lr,
                 double beta1, double beta2, double eps, double weight_decay, int decoupled, int amsgrad,
                 int maximize);

#endif
