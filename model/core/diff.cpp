#include "model/core/diff.hpp"

#include "model/core/tree.hpp"

namespace lockstep {

namespace {

void append_joined(std::string& out, const Json& items, const char* open, const char* close, bool pairs = false) {
  out += open;
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (i > 0) out += ", ";
    if (pairs && items[i].is_array() && items[i].size() == 2) {
      out += itf_text(items[i][0]) + ": " + itf_text(items[i][1]);
    } else {
      out += itf_text(items[i]);
    }
  }
  out += close;
}

bool is_wrapper(const Json& value, const char* key) {
  return value.is_object() && value.size() == 1 && value.contains(key) && value[key].is_array();
}

bool is_tagged(const Json& value) {
  return value.is_object() && value.size() == 2 && value.contains("tag") && value["tag"].is_string() &&
         value.contains("value");
}

void diff_json_into(const Json& before, const Json& after, const std::string& path, std::vector<FieldChange>& out);

void diff_json_map(const Json& before, const Json& after, const std::string& path, std::vector<FieldChange>& out) {
  const auto find = [](const Json& items, const Json& key) -> const Json* {
    for (const auto& item : items) {
      if (item.is_array() && item.size() == 2 && item[0] == key) return &item[1];
    }
    return nullptr;
  };
  for (const auto& item : before) {
    if (!item.is_array() || item.size() != 2) continue;
    const std::string at = path + "[" + itf_text(item[0]) + "]";
    const Json* other = find(after, item[0]);
    if (other == nullptr) {
      out.push_back({at, itf_text(item[1]), ""});
    } else {
      diff_json_into(item[1], *other, at, out);
    }
  }
  for (const auto& item : after) {
    if (item.is_array() && item.size() == 2 && find(before, item[0]) == nullptr) {
      out.push_back({path + "[" + itf_text(item[0]) + "]", "", itf_text(item[1])});
    }
  }
}

void diff_json_into(const Json& before, const Json& after, const std::string& path, std::vector<FieldChange>& out) {
  if (before == after) return;
  const auto child = [&](const std::string& key) { return path.empty() ? key : path + "." + key; };
  if (is_wrapper(before, "#map") && is_wrapper(after, "#map")) {
    diff_json_map(before["#map"], after["#map"], path, out);
  } else if (is_tagged(before) && is_tagged(after) && before["tag"] == after["tag"]) {
    diff_json_into(before["value"], after["value"], path, out);
  } else if (is_wrapper(before, "#set") && is_wrapper(after, "#set")) {
    detail::diff_multiset(before["#set"], after["#set"], path, out, itf_text);
  } else if (before.is_array() && after.is_array()) {
    detail::diff_multiset(before, after, path, out, itf_text);
  } else if (before.is_object() && after.is_object() && !is_wrapper(before, "#set") && !is_wrapper(before, "#tup") &&
             !before.contains("#bigint")) {
    for (const auto& [key, value] : before.items()) {
      if (after.contains(key)) {
        diff_json_into(value, after[key], child(key), out);
      } else {
        out.push_back({child(key), itf_text(value), ""});
      }
    }
    for (const auto& [key, value] : after.items()) {
      if (!before.contains(key)) out.push_back({child(key), "", itf_text(value)});
    }
  } else {
    out.push_back({path, itf_text(before), itf_text(after)});
  }
}

}  // namespace

std::string itf_text(const Json& value) {
  std::string out;
  if (value.is_string()) return value.get<std::string>();
  if (is_wrapper(value, "#set")) {
    append_joined(out, value["#set"], "{", "}");
  } else if (is_wrapper(value, "#map")) {
    append_joined(out, value["#map"], "{", "}", true);
  } else if (is_wrapper(value, "#tup")) {
    append_joined(out, value["#tup"], "(", ")");
  } else if (value.is_object() && value.size() == 1 && value.contains("#bigint") && value["#bigint"].is_string()) {
    out = value["#bigint"].get<std::string>();
  } else if (is_tagged(value)) {
    const std::string tag = value["tag"].get<std::string>();
    const Json& inner = value["value"];
    if (is_wrapper(inner, "#tup") && inner["#tup"].empty()) return tag;
    const bool record = inner.is_object() && !inner.empty() && !is_wrapper(inner, "#set") && !is_wrapper(inner, "#map");
    out = tag;
    out += record ? "" : "(";
    out += itf_text(inner);
    out += record ? "" : ")";
  } else if (value.is_object()) {
    out += '{';
    bool first = true;
    for (const auto& [key, field] : value.items()) {
      if (!first) out += ", ";
      first = false;
      out += key + "=" + itf_text(field);
    }
    out += '}';
  } else if (value.is_array()) {
    append_joined(out, value, "[", "]");
  } else {
    out = value.dump();
  }
  return out;
}

Json json_tree(const Json& value) {
  std::string type;
  const Json* content = &value;
  if (is_tagged(value)) {
    type = value["tag"].get<std::string>();
    content = &value["value"];
  }
  Json children = Json::array();
  const auto elements = [&](const Json& items) {
    for (std::size_t i = 0; i < items.size(); ++i) {
      children.push_back(Json::array({detail::bracketed(std::to_string(i)), json_tree(items[i])}));
    }
  };
  if (is_wrapper(*content, "#map")) {
    for (const auto& item : (*content)["#map"]) {
      if (item.is_array() && item.size() == 2) children.push_back(Json::array({detail::bracketed(itf_text(item[0])), json_tree(item[1])}));
    }
  } else if (is_wrapper(*content, "#set")) {
    elements((*content)["#set"]);
  } else if (is_wrapper(*content, "#tup")) {
    elements((*content)["#tup"]);
  } else if (content->is_array()) {
    elements(*content);
  } else if (content->is_object() && !content->contains("#bigint")) {
    for (const auto& [key, field] : content->items()) children.push_back(Json::array({key, json_tree(field)}));
  }
  return detail::tree_node(itf_text(value), std::move(type), std::move(children));
}

std::vector<FieldChange> diff_json(const Json& before, const Json& after) {
  std::vector<FieldChange> out;
  diff_json_into(before, after, "", out);
  return out;
}

}  // namespace lockstep
