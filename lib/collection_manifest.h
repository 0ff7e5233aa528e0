// The collection manifest: the one XML file at the root of a collection
// archive, in the format of the Contensive CMS's add-on collections:
//
//   <Collection name="Shop" guid="{...}" system="false" updatable="true">
//     <Resource name="shop.css" type="www" path="shop/css"/>
//     <Addon name="Cart" guid="{...}"/>
//     <ImportCollection>{guid of a collection that must be installed}</ImportCollection>
//     <HelpLink>https://...</HelpLink>
//     <Help>text</Help>
//   </Collection>
//
// Element and attribute names are case-insensitive; the legacy root
// <AddonCollection> is accepted. Other elements are reported as warnings.
// Parsed with expat, refusing any DTD: no entity can be declared, so none is
// expanded or fetched (no external entities, no billion laughs).
#pragma once

#include <string>
#include <vector>

#include "status.h"

namespace site {

struct ManifestResource {
  std::string name;  // the file in the archive
  std::string type;  // www, private or cdn
  std::string path;  // directory in that area ("" for its root)
};

struct ManifestAddon {
  std::string name;
  std::string guid;
};

struct CollectionManifest {
  std::string name;
  std::string guid;
  bool system = false;
  bool updatable = true;
  std::vector<ManifestResource> resources;
  std::vector<ManifestAddon> addons;
  std::vector<std::string> imports;  // guids
  std::string help_link;
  std::string help;
  std::vector<std::string> warnings;
};

constexpr size_t kMaxManifestBytes = 1 << 20;

// Parses the manifest `xml` read from the archive entry `file_name`.
// Returns Invalid with a reason naming the file, element or attribute.
Status ParseManifest(const std::string& xml, const std::string& file_name,
                     CollectionManifest* out);

// Returns true iff `guid` looks like a guid: 1 to 64 characters of
// letters, digits, '-', '{' and '}'.
bool IsValidGuid(const std::string& guid);

}  // namespace site
