// Parameters in one flat buffer, described by a list of named tensors.
//
// A model registers its tensors ("l0.W_hh", "head.W_hy", ...) in a Layout; each gets a name, a
// shape and an offset into one contiguous buffer of scalars. Parameters and gradients are two
// buffers with the same Layout, so the optimizer, gradient clipping, checkpoints and the
// gradient checker can all walk them without knowing which model they serve.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "core/matrix.h"

namespace charnn {

struct TensorInfo {
  std::string name;
  int rows = 0;
  int cols = 0;
  std::size_t offset = 0;  // index of element (0,0) in the flat buffer
  std::size_t size() const { return static_cast<std::size_t>(rows) * cols; }
};

class Layout {
 public:
  // Appends a (rows, cols) tensor after the last one; returns its index.
  int add(const std::string& name, int rows, int cols) {
    TensorInfo t;
    t.name = name;
    t.rows = rows;
    t.cols = cols;
    t.offset = size_;
    tensors_.push_back(t);
    size_ += t.size();
    return static_cast<int>(tensors_.size()) - 1;
  }

  const std::vector<TensorInfo>& tensors() const { return tensors_; }
  const TensorInfo& operator[](int index) const { return tensors_[index]; }
  std::size_t size() const { return size_; }  // total number of scalars

  // Index of the tensor called `name`, or -1.
  int find(const std::string& name) const {
    for (std::size_t k = 0; k < tensors_.size(); ++k)
      if (tensors_[k].name == name) return static_cast<int>(k);
    return -1;
  }

  // Tensor `index` of the buffer starting at `base`, as a matrix view.
  template <class S>
  Mat<S> view(S* base, int index) const {
    const TensorInfo& t = tensors_[index];
    return Mat<S>(base + t.offset, t.rows, t.cols);
  }

 private:
  std::vector<TensorInfo> tensors_;
  std::size_t size_ = 0;
};

}  // namespace charnn
