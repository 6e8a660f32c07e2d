#pragma once
// How far a request has come, as a person reads it (`seedgrid generate`, `seedgrid sim`). Each image
// counts its sampler steps and then one more for its delivery, so 100% means every image is
// delivered, not just rendered while its audit and payment are still under way (the main job
// once printed "progress 100%  15/16 images"). The figure never goes back: a job that starts
// again (a retry on another worker, a coordinator restart) counts again only once it gets past
// the step it had reached.
#include <cstdint>
#include <map>

namespace seedgrid::client {

class ProgressMeter {
 public:
  ProgressMeter(std::uint32_t images, std::uint32_t steps) : images_(images), steps_(steps) {}

  // Image `index` reached sampler step `step` (of the request's steps).
  void step(std::uint32_t index, std::uint32_t step);
  void delivered(std::uint32_t index);

  // 0..100: 100 exactly when every image is delivered; never less than an earlier answer.
  int percent() const;
  std::uint32_t images_delivered() const { return delivered_; }

 private:
  struct Image {
    std::uint32_t steps = 0;  // the furthest step reached
    bool delivered = false;
  };
  std::uint32_t images_;
  std::uint32_t steps_;
  std::map<std::uint32_t, Image> seen_;
  std::uint64_t units_ = 0;  // steps reached plus deliveries, over every image
  std::uint32_t delivered_ = 0;
};

}  // namespace seedgrid::client
